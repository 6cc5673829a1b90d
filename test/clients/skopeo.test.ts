/**
 * skopeo (Debian) against a real registry server: push and pull back images
 * built offline, byte for byte; Docker schema 2; zstd and uncompressed layers;
 * a two-platform index; inspect, list-tags, delete; registry-to-registry copy
 * between two repositories of the same server (a cross-repository mount).
 *
 * Run: node --import tsx --test test/clients/skopeo.test.ts
 * (BERTH_TEST_SERVER=distribution runs the same tests against docker-registry.)
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import {
  assertSameImage,
  buildBusyboxImage,
  buildRandomImage,
  buildTwoPlatformIndex,
  hasZstd,
  type ImageGraph,
  MT,
  OciLayout,
  ok,
  readDirImage,
  readLayoutImage,
  removeDir,
  run,
  Skopeo,
  sha256,
  tempDir,
} from '../support/images.ts';
import { RecordingProxy } from '../support/proxy.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const T = { timeout: 180_000 };

let server: RegistryServer;
let skopeo: Skopeo;
let work: string;
let n = 0;

/** A fresh OCI layout directory under the test's work dir. */
async function layout(name: string): Promise<OciLayout> {
  n += 1;
  return OciLayout.create(join(work, `${name}-${n}`));
}

function outDir(name: string): string {
  n += 1;
  return join(work, `${name}-${n}`);
}

/** GET of a manifest straight from the registry: status, headers and exact bytes. */
async function getManifest(
  repo: string,
  ref: string,
  accept: string[] = [MT.ociManifest, MT.ociIndex, MT.dockerManifest, MT.dockerList],
) {
  const res = await fetch(`${server.url}/v2/${repo}/manifests/${ref}`, { headers: { accept: accept.join(', ') } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Asserts the registry serves every manifest of `graph` with its exact bytes and every blob whole. */
async function assertRegistryHolds(repo: string, graph: ImageGraph): Promise<void> {
  for (const [digest, bytes] of graph.blobs) {
    if (graph.manifests.has(digest)) {
      const m = await getManifest(repo, digest);
      assert.equal(m.status, 200, `GET manifest ${repo}@${digest}`);
      assert.ok(m.body.equals(bytes), `manifest ${digest} bytes as served`);
      assert.equal(m.headers.get('docker-content-digest'), digest);
    } else {
      const res = await fetch(`${server.url}/v2/${repo}/blobs/${digest}`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `GET blob ${repo}@${digest}`);
      assert.equal(sha256(body), digest, `blob ${digest} as served`);
    }
  }
}

before(async () => {
  work = await tempDir('berth-skopeo-test-');
  skopeo = await Skopeo.create();
  server = await startServer();
});

after(async () => {
  await server?.cleanup();
  await skopeo?.cleanup();
  if (work) await removeDir(work);
});

describe('skopeo copy round trips', () => {
  test('a multi-layer OCI image pushes and pulls back byte for byte', T, async () => {
    const src = await layout('src');
    const img = await buildRandomImage(src, {
      tag: 'v1',
      layers: [{ size: 2 * MiB }, { size: 768 * KiB }, { size: 300 * KiB }, { size: 1 }, { size: 64 * KiB }],
    });
    const digestFile = join(work, 'multi.digest');
    await skopeo.ok(['copy', '--digestfile', digestFile, `oci:${src.dir}:v1`, server.ref('skopeo/multi:v1')]);
    assert.equal(
      (await readFile(digestFile, 'utf8')).trim(),
      img.manifest.digest,
      'pushed manifest digest (no rewrite)',
    );

    const out = outDir('pull');
    await skopeo.ok(['copy', server.ref('skopeo/multi:v1'), `oci:${out}:v1`]);
    const expected = await readLayoutImage(src.dir, 'v1');
    assertSameImage(await readLayoutImage(out, 'v1'), expected, 'multi-layer round trip');
    assert.equal(expected.blobs.size, 7, 'manifest + config + 5 layers');
    await assertRegistryHolds('skopeo/multi', expected);

    // Pulled by digest as well as by tag.
    const out2 = outDir('pull-digest');
    await skopeo.ok(['copy', server.ref(`skopeo/multi@${img.manifest.digest}`), `oci:${out2}:x`]);
    assertSameImage(await readLayoutImage(out2, 'x'), expected, 'pull by digest');
  });

  test('a two-platform index (--all) pushes and pulls back byte for byte', T, async () => {
    const src = await layout('index');
    const built = await buildTwoPlatformIndex(src, 'multi');
    const digestFile = join(work, 'index.digest');
    await skopeo.ok([
      'copy',
      '--all',
      '--digestfile',
      digestFile,
      `oci:${src.dir}:multi`,
      server.ref('skopeo/index:multi'),
    ]);
    assert.equal((await readFile(digestFile, 'utf8')).trim(), built.index.digest, 'index digest kept');

    const out = outDir('index-pull');
    await skopeo.ok(['copy', '--all', server.ref('skopeo/index:multi'), `oci:${out}:multi`]);
    const expected = await readLayoutImage(src.dir, 'multi');
    const actual = await readLayoutImage(out, 'multi');
    assertSameImage(actual, expected, 'index round trip');
    assert.equal(expected.manifests.size, 3, 'index + two image manifests');
    assert.equal(expected.blobs.size, 3 + 2 * 3, 'and two configs, four layers');
    await assertRegistryHolds('skopeo/index', expected);

    const served = await getManifest('skopeo/index', 'multi');
    assert.equal(served.status, 200);
    assert.ok(served.body.equals(built.indexBytes), 'index bytes served as pushed');
    assert.equal(served.headers.get('content-type'), MT.ociIndex);

    // Without --all, each platform alone resolves to its own child manifest.
    for (const [arch, child] of [
      ['amd64', built.images[0]],
      ['arm64', built.images[1]],
    ] as const) {
      const one = outDir(`index-${arch}`);
      await skopeo.ok(['--override-arch', arch, 'copy', server.ref('skopeo/index:multi'), `oci:${one}:x`]);
      const got = await readLayoutImage(one, 'x');
      assert.equal(got.root.digest, child.manifest.digest, `${arch} child picked from the index`);
      assert.ok(got.rootBytes.equals(child.manifestBytes));
    }
  });

  test('--format v2s2 pushes Docker schema 2 and pulls it back byte for byte', T, async () => {
    const src = await layout('v2s2');
    const img = await buildRandomImage(src, { tag: 'd', layers: [{ size: 512 * KiB }, { size: 200 * KiB }] });
    const digestFile = join(work, 'v2s2.digest');
    await skopeo.ok([
      'copy',
      '--format',
      'v2s2',
      '--digestfile',
      digestFile,
      `oci:${src.dir}:d`,
      server.ref('skopeo/docker:d'),
    ]);
    const pushedDigest = (await readFile(digestFile, 'utf8')).trim();

    // dir: keeps the manifest exactly as the registry served it.
    const pulled = outDir('v2s2-dir');
    await skopeo.ok(['copy', server.ref('skopeo/docker:d'), `dir:${pulled}`]);
    const got = await readDirImage(pulled);
    assert.equal(got.root.digest, pushedDigest, 'served manifest is the one pushed');
    const m = JSON.parse(got.rootBytes.toString('utf8')) as {
      mediaType: string;
      config: { mediaType: string; digest: string };
      layers: { mediaType: string; digest: string }[];
    };
    assert.equal(m.mediaType, MT.dockerManifest);
    assert.equal(m.config.mediaType, MT.dockerConfig);
    assert.deepEqual(
      m.layers.map((l) => [l.mediaType, l.digest]),
      img.layers.map((l) => [MT.dockerLayerGzip, l.digest]),
      'same layer blobs under Docker media types',
    );
    assert.equal(m.config.digest, img.config.digest, 'config bytes unchanged by the conversion');

    const served = await getManifest('skopeo/docker', 'd', [MT.dockerManifest]);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), MT.dockerManifest);
    assert.equal(served.headers.get('docker-content-digest'), pushedDigest);

    // Schema 2 from dir: to another tag and back: identical bytes all the way.
    await skopeo.ok(['copy', `dir:${pulled}`, server.ref('skopeo/docker2:d')]);
    const again = outDir('v2s2-dir2');
    await skopeo.ok(['copy', server.ref('skopeo/docker2:d'), `dir:${again}`]);
    assertSameImage(await readDirImage(again), got, 'Docker schema 2 round trip');
    const raw = await skopeo.ok(['inspect', '--raw', server.ref('skopeo/docker2:d')]);
    assert.ok(Buffer.from(raw.stdout).equals(got.rootBytes), 'inspect --raw returns the exact bytes');
  });

  test('--all --format v2s2 pushes a Docker manifest list and pulls it back byte for byte', T, async () => {
    const src = await layout('list');
    const built = await buildTwoPlatformIndex(src, 'l', [{ size: 64 * KiB }]);
    await skopeo.ok(['copy', '--all', '--format', 'v2s2', `oci:${src.dir}:l`, server.ref('skopeo/list:l')]);
    const pulled = outDir('list-dir');
    await skopeo.ok(['copy', '--all', server.ref('skopeo/list:l'), `dir:${pulled}`]);
    const got = await readDirImage(pulled);
    const list = JSON.parse(got.rootBytes.toString('utf8')) as {
      mediaType: string;
      manifests: { mediaType: string; digest: string; platform: { architecture: string } }[];
    };
    assert.equal(list.mediaType, MT.dockerList);
    assert.deepEqual(
      list.manifests.map((m) => [m.mediaType, m.platform.architecture]),
      [
        [MT.dockerManifest, 'amd64'],
        [MT.dockerManifest, 'arm64'],
      ],
    );
    assert.equal(got.manifests.size, 3);
    const layers = new Set(built.images.flatMap((i) => i.layers.map((l) => l.digest)));
    for (const d of layers) assert.ok(got.blobs.has(d), `layer ${d} kept as is`);

    const served = await getManifest('skopeo/list', 'l', [MT.dockerList, MT.dockerManifest]);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), MT.dockerList);
    assert.ok(served.body.equals(got.rootBytes));

    // The list from dir: to another repository and back: identical bytes.
    await skopeo.ok(['copy', '--all', `dir:${pulled}`, server.ref('skopeo/list2:l')]);
    const again = outDir('list-dir2');
    await skopeo.ok(['copy', '--all', server.ref('skopeo/list2:l'), `dir:${again}`]);
    assertSameImage(await readDirImage(again), got, 'Docker manifest list round trip');
  });

  test('zstd layers push and pull back byte for byte', {
    ...T,
    skip: hasZstd ? false : 'zstd is not installed',
  }, async () => {
    const src = await layout('zstd');
    await buildRandomImage(src, {
      tag: 'z',
      layers: [
        { size: 1 * MiB, compression: 'zstd' },
        { size: 256 * KiB, compression: 'gzip' },
        { size: 64 * KiB, compression: 'zstd' },
      ],
    });
    await skopeo.ok(['copy', `oci:${src.dir}:z`, server.ref('skopeo/zstd:z')]);
    const out = outDir('zstd-pull');
    await skopeo.ok(['copy', server.ref('skopeo/zstd:z'), `oci:${out}:z`]);
    const got = await readLayoutImage(out, 'z');
    assertSameImage(got, await readLayoutImage(src.dir, 'z'), 'zstd round trip');
    const m = JSON.parse(got.rootBytes.toString('utf8')) as { layers: { mediaType: string }[] };
    assert.deepEqual(
      m.layers.map((l) => l.mediaType),
      [MT.ociLayerZstd, MT.ociLayerGzip, MT.ociLayerZstd],
    );
    // zstd frames start with the magic 28 b5 2f fd.
    const firstLayer = got.blobs.get(
      (JSON.parse(got.rootBytes.toString('utf8')) as { layers: { digest: string }[] }).layers[0].digest,
    );
    assert.equal(firstLayer?.subarray(0, 4).toString('hex'), '28b52ffd');
  });

  test('uncompressed layers with --preserve-digests push and pull back byte for byte', T, async () => {
    const src = await layout('tar');
    await buildRandomImage(src, {
      tag: 't',
      layers: [
        { size: 700 * KiB, compression: 'none' },
        { size: 100 * KiB, compression: 'gzip' },
      ],
    });
    await skopeo.ok(['copy', '--preserve-digests', `oci:${src.dir}:t`, server.ref('skopeo/tar:t')]);
    const out = outDir('tar-pull');
    await skopeo.ok(['copy', '--preserve-digests', server.ref('skopeo/tar:t'), `oci:${out}:t`]);
    const got = await readLayoutImage(out, 't');
    assertSameImage(got, await readLayoutImage(src.dir, 't'), 'uncompressed round trip');
    const m = JSON.parse(got.rootBytes.toString('utf8')) as { layers: { mediaType: string }[] };
    assert.equal(m.layers[0].mediaType, MT.ociLayerTar);
  });
});

describe('skopeo inspect, list-tags, delete', () => {
  test('inspect, inspect --raw and --config of an image', T, async () => {
    const src = await layout('inspect');
    const img = await buildRandomImage(src, { tag: 'i', layers: [{ size: 100 * KiB }, { size: 50 * KiB }] });
    await skopeo.ok(['copy', `oci:${src.dir}:i`, server.ref('skopeo/inspect:i')]);

    const info = JSON.parse((await skopeo.ok(['inspect', server.ref('skopeo/inspect:i')])).stdout) as {
      Digest: string;
      Layers: string[];
      Architecture: string;
      Os: string;
      RepoTags: string[];
      Env: string[];
    };
    assert.equal(info.Digest, img.manifest.digest);
    assert.deepEqual(
      info.Layers,
      img.layers.map((l) => l.digest),
    );
    assert.equal(info.Architecture, 'amd64');
    assert.equal(info.Os, 'linux');
    assert.deepEqual(info.RepoTags, ['i']);

    const raw = await skopeo.ok(['inspect', '--raw', server.ref('skopeo/inspect:i')]);
    assert.ok(Buffer.from(raw.stdout).equals(img.manifestBytes), 'inspect --raw is the pushed manifest, exactly');
    const config = await skopeo.ok(['inspect', '--config', '--raw', server.ref('skopeo/inspect:i')]);
    assert.ok(Buffer.from(config.stdout).equals(await readFile(src.blobPath(img.config.digest))), 'config bytes');

    const byDigest = JSON.parse(
      (await skopeo.ok(['inspect', server.ref(`skopeo/inspect@${img.manifest.digest}`)])).stdout,
    ) as {
      Digest: string;
    };
    assert.equal(byDigest.Digest, img.manifest.digest);

    const missing = await skopeo.run(['inspect', server.ref('skopeo/inspect:nope')]);
    assert.notEqual(missing.code, 0, 'inspect of a tag that does not exist fails');
    assert.match(missing.stderr, /manifest unknown/i);
  });

  test('inspect of a two-platform index: --raw, default platform and --override-arch arm64', T, async () => {
    const src = await layout('inspect-index');
    const built = await buildTwoPlatformIndex(src, 'm', [{ size: 32 * KiB }]);
    await skopeo.ok(['copy', '--all', `oci:${src.dir}:m`, server.ref('skopeo/inspect-index:m')]);

    const raw = await skopeo.ok(['inspect', '--raw', server.ref('skopeo/inspect-index:m')]);
    assert.ok(Buffer.from(raw.stdout).equals(built.indexBytes), 'inspect --raw returns the index');
    const index = JSON.parse(raw.stdout) as { mediaType: string; manifests: { platform: { architecture: string } }[] };
    assert.equal(index.mediaType, MT.ociIndex);
    assert.deepEqual(
      index.manifests.map((m) => m.platform.architecture),
      ['amd64', 'arm64'],
    );

    const amd = JSON.parse(
      (await skopeo.ok(['--override-arch', 'amd64', 'inspect', server.ref('skopeo/inspect-index:m')])).stdout,
    ) as {
      Digest: string;
      Architecture: string;
      Layers: string[];
    };
    // skopeo 1.9 reports the digest of the manifest it was pointed at (the
    // index); the platform's own image shows in Architecture and Layers.
    assert.equal(amd.Architecture, 'amd64');
    assert.equal(amd.Digest, built.index.digest);
    assert.deepEqual(
      amd.Layers,
      built.images[0].layers.map((l) => l.digest),
    );

    const arm = JSON.parse(
      (await skopeo.ok(['--override-arch', 'arm64', 'inspect', server.ref('skopeo/inspect-index:m')])).stdout,
    ) as {
      Digest: string;
      Architecture: string;
      Variant?: string;
      Layers: string[];
    };
    assert.equal(arm.Architecture, 'arm64');
    assert.equal(arm.Digest, built.index.digest);
    assert.deepEqual(
      arm.Layers,
      built.images[1].layers.map((l) => l.digest),
    );

    const armRaw = await skopeo.ok([
      'inspect',
      '--raw',
      server.ref(`skopeo/inspect-index@${built.images[1].manifest.digest}`),
    ]);
    assert.ok(Buffer.from(armRaw.stdout).equals(built.images[1].manifestBytes), 'child manifest by digest');
    const armByDigest = JSON.parse(
      (await skopeo.ok(['inspect', server.ref(`skopeo/inspect-index@${built.images[1].manifest.digest}`)])).stdout,
    ) as { Digest: string; Architecture: string };
    assert.equal(armByDigest.Digest, built.images[1].manifest.digest);
    assert.equal(armByDigest.Architecture, 'arm64');
  });

  test('list-tags lists every tag of a repository', T, async () => {
    const src = await layout('tags');
    await buildRandomImage(src, { tag: 'x', layers: [{ size: 10 * KiB }] });
    const tags = ['1.0', '1.1', 'latest', 'v2-rc.1', 'A_b'];
    await skopeo.ok(['copy', `oci:${src.dir}:x`, server.ref(`skopeo/tags:${tags[0]}`)]);
    for (const t of tags.slice(1)) {
      await skopeo.ok(['copy', server.ref(`skopeo/tags:${tags[0]}`), server.ref(`skopeo/tags:${t}`)]);
    }
    const listed = JSON.parse((await skopeo.ok(['list-tags', server.ref('skopeo/tags')])).stdout) as {
      Repository: string;
      Tags: string[];
    };
    assert.equal(listed.Repository, `${server.host}/skopeo/tags`);
    assert.deepEqual([...listed.Tags].sort(), [...tags].sort());

    const unknown = await skopeo.run(['list-tags', server.ref('skopeo/never-pushed')]);
    assert.notEqual(unknown.code, 0, 'list-tags of a repository that does not exist fails');
  });

  test(
    'pushing another image to an existing tag moves the tag; the old manifest stays pullable by digest',
    T,
    async () => {
      const src = await layout('retag');
      const first = await buildRandomImage(src, { tag: 'one', layers: [{ size: 20 * KiB }] });
      const second = await buildRandomImage(src, { tag: 'two', layers: [{ size: 20 * KiB }] });
      await skopeo.ok(['copy', `oci:${src.dir}:one`, server.ref('skopeo/retag:latest')]);
      await skopeo.ok(['copy', `oci:${src.dir}:two`, server.ref('skopeo/retag:latest')]);
      const now = JSON.parse((await skopeo.ok(['inspect', server.ref('skopeo/retag:latest')])).stdout) as {
        Digest: string;
      };
      assert.equal(now.Digest, second.manifest.digest, 'the tag points at the last push');
      const old = await getManifest('skopeo/retag', first.manifest.digest);
      assert.equal(old.status, 200, 'the replaced manifest is still there by digest');
      assert.ok(old.body.equals(first.manifestBytes));
      const listed = JSON.parse((await skopeo.ok(['list-tags', server.ref('skopeo/retag')])).stdout) as {
        Tags: string[];
      };
      assert.deepEqual(listed.Tags, ['latest']);
    },
  );

  test('delete removes the manifest: inspect fails afterwards, other tags stay', T, async () => {
    const src = await layout('delete');
    const doomed = await buildRandomImage(src, { tag: 'gone', layers: [{ size: 20 * KiB }] });
    const kept = await buildRandomImage(src, { tag: 'kept', layers: [{ size: 20 * KiB }] });
    await skopeo.ok(['copy', `oci:${src.dir}:gone`, server.ref('skopeo/delete:gone')]);
    await skopeo.ok(['copy', `oci:${src.dir}:kept`, server.ref('skopeo/delete:kept')]);
    await skopeo.ok(['inspect', server.ref('skopeo/delete:gone')]);

    await skopeo.ok(['delete', server.ref('skopeo/delete:gone')]);

    const byTag = await skopeo.run(['inspect', server.ref('skopeo/delete:gone')]);
    assert.notEqual(byTag.code, 0, 'inspect by tag fails after delete');
    assert.match(byTag.stderr, /manifest unknown/i);
    const byDigest = await skopeo.run(['inspect', server.ref(`skopeo/delete@${doomed.manifest.digest}`)]);
    assert.notEqual(byDigest.code, 0, 'inspect by digest fails after delete');
    assert.equal((await getManifest('skopeo/delete', doomed.manifest.digest)).status, 404);

    const still = JSON.parse((await skopeo.ok(['inspect', server.ref('skopeo/delete:kept')])).stdout) as {
      Digest: string;
    };
    assert.equal(still.Digest, kept.manifest.digest, 'the other tag is untouched');
    const listed = JSON.parse((await skopeo.ok(['list-tags', server.ref('skopeo/delete')])).stdout) as {
      Tags: string[];
    };
    assert.deepEqual(listed.Tags, ['kept']);

    const again = await skopeo.run(['delete', server.ref(`skopeo/delete@${doomed.manifest.digest}`)]);
    assert.notEqual(again.code, 0, 'deleting it twice fails');
  });
});

describe('registry-to-registry copy', () => {
  test('copy between two repositories of the same server mounts the blobs instead of uploading', T, async () => {
    const src = await layout('mount');
    const img = await buildRandomImage(src, { tag: 'm', layers: [{ size: 1 * MiB }, { size: 300 * KiB }] });
    const index = await buildTwoPlatformIndex(src, 'mi', [{ size: 40 * KiB }]);
    const proxy = await RecordingProxy.start(server.port);
    try {
      const via = (repoTag: string) => `docker://${proxy.host}/${repoTag}`;
      await skopeo.ok(['copy', `oci:${src.dir}:m`, via('mount/source:m')]);
      await skopeo.ok(['copy', '--all', `oci:${src.dir}:mi`, via('mount/source:mi')]);
      proxy.clear();

      await skopeo.ok(['copy', via('mount/source:m'), via('mount/target:m')]);
      await skopeo.ok(['copy', '--all', via('mount/source:mi'), via('mount/target:mi')]);

      // skopeo reads image configs itself and uploads them again (they are
      // small); every layer must be mounted from the source repository.
      const layerDigests = [...img.layers, ...index.images.flatMap((i) => i.layers)].map((l) => l.digest);
      const configDigests = new Set([img.config.digest, ...index.images.map((i) => i.config.digest)]);
      const mounts = proxy.exchanges.filter(
        (e) => e.method === 'POST' && e.url.startsWith('/v2/mount/target/blobs/uploads/'),
      );
      for (const digest of layerDigests) {
        const m = mounts.find((e) => new URL(e.url, 'http://x').searchParams.get('mount') === digest);
        assert.ok(m, `a mount request for ${digest}\n${JSON.stringify(proxy.exchanges, null, 1)}`);
        assert.equal(new URL(m.url, 'http://x').searchParams.get('from'), 'mount/source');
        assert.equal(m.status, 201, `mount of ${digest} answered 201 Created`);
      }
      const uploaded = proxy.exchanges
        .filter((e) => e.method === 'PUT' && e.url.includes('/blobs/uploads/'))
        .map((e) => new URL(e.url, 'http://x').searchParams.get('digest'));
      for (const d of uploaded) assert.ok(d && configDigests.has(d), `only configs are uploaded, not ${d}`);
      assert.equal(
        proxy.exchanges.filter((e) => e.method === 'GET' && layerDigests.some((d) => e.url.endsWith(d))).length,
        0,
        'no layer was downloaded to be copied',
      );
    } finally {
      await proxy.close();
    }

    // The target repository now serves the same images, byte for byte.
    const out = outDir('mount-pull');
    await skopeo.ok(['copy', server.ref('mount/target:m'), `oci:${out}:m`]);
    const expected = await readLayoutImage(src.dir, 'm');
    assertSameImage(await readLayoutImage(out, 'm'), expected, 'mounted image');
    await assertRegistryHolds('mount/target', expected);
    const outIdx = outDir('mount-pull-index');
    await skopeo.ok(['copy', '--all', server.ref('mount/target:mi'), `oci:${outIdx}:mi`]);
    assertSameImage(await readLayoutImage(outIdx, 'mi'), await readLayoutImage(src.dir, 'mi'), 'mounted index');
  });

  test('concurrent pushes of the same image to several repositories store each blob once', T, async () => {
    const src = await layout('concurrent');
    const img = await buildRandomImage(src, { tag: 'c', layers: [{ size: 3 * MiB }, { size: 1 * MiB }, { size: 10 }] });
    // Fresh blob-info caches: every push really uploads, all at the same time.
    const clients = await Promise.all([0, 1, 2, 3].map(() => Skopeo.create()));
    try {
      const results = await Promise.all(
        clients.map((c, i) => c.run(['copy', `oci:${src.dir}:c`, server.ref(`concurrent/r${i % 2}:t${i}`)])),
      );
      for (const r of results) assert.equal(r.code, 0, r.stderr);
    } finally {
      await Promise.all(clients.map((c) => c.cleanup()));
    }
    const expected = await readLayoutImage(src.dir, 'c');
    for (const repo of ['concurrent/r0', 'concurrent/r1']) await assertRegistryHolds(repo, expected);
    const listed = JSON.parse((await skopeo.ok(['list-tags', server.ref('concurrent/r0')])).stdout) as {
      Tags: string[];
    };
    assert.deepEqual([...listed.Tags].sort(), ['t0', 't2']);
    if (server.kind === 'berth') {
      // Content-addressed: one stored file per blob, whatever pushed it.
      for (const l of img.layers) {
        const hex = l.digest.split(':')[1];
        const files = (await readdir(server.dataDir, { recursive: true })).filter((f) => String(f).endsWith(hex));
        assert.equal(files.length, 1, `one stored copy of ${l.digest}: ${files.join(', ')}`);
      }
    }
  });

  test('a blob pushed to one repository is not readable through another that never linked it', T, async () => {
    const src = await layout('isolation');
    const mine = await buildRandomImage(src, { tag: 'p', layers: [{ size: 30 * KiB }] });
    await buildRandomImage(src, { tag: 'o', layers: [{ size: 30 * KiB }] });
    await skopeo.ok(['copy', `oci:${src.dir}:p`, server.ref('iso/private:p')]);
    await skopeo.ok(['copy', `oci:${src.dir}:o`, server.ref('iso/other:o')]);
    const layer = mine.layers[0].digest;
    const own = await fetch(`${server.url}/v2/iso/private/blobs/${layer}`, { method: 'HEAD' });
    assert.equal(own.status, 200);
    for (const repo of ['iso/other', 'iso/never']) {
      const head = await fetch(`${server.url}/v2/${repo}/blobs/${layer}`, { method: 'HEAD' });
      assert.equal(head.status, 404, `HEAD through ${repo}: no leak across repositories`);
      const get = await fetch(`${server.url}/v2/${repo}/blobs/${layer}`);
      assert.equal(get.status, 404, `GET through ${repo}`);
      const body = (await get.json()) as { errors: { code: string }[] };
      assert.ok(['BLOB_UNKNOWN', 'NAME_UNKNOWN'].includes(body.errors[0].code), JSON.stringify(body));
    }
    const pulled = await skopeo.run([
      'copy',
      server.ref(`iso/other@${mine.manifest.digest}`),
      `oci:${outDir('iso')}:x`,
    ]);
    assert.notEqual(pulled.code, 0, "another repository's manifest is not pullable through this one");
  });
});

describe('a runnable image and the access log', () => {
  test('a busybox image pushed and pulled with skopeo unpacks with umoci and runs', T, async () => {
    const src = await layout('busybox');
    await buildBusyboxImage(src, 'bb');
    await skopeo.ok(['copy', `oci:${src.dir}:bb`, server.ref('library/busybox:1.35')]);
    const out = outDir('busybox-pull');
    await skopeo.ok(['copy', server.ref('library/busybox:1.35'), `oci:${out}:bb`]);
    assertSameImage(await readLayoutImage(out, 'bb'), await readLayoutImage(src.dir, 'bb'), 'busybox round trip');
    const bundle = outDir('busybox-bundle');
    ok(await run('umoci', ['unpack', '--image', `${out}:bb`, bundle]), 'umoci unpack');
    const sh = ok(await run('chroot', [join(bundle, 'rootfs'), '/bin/sh', '-c', 'echo ok; ls /bin/busybox']), 'chroot');
    assert.equal(sh.stdout, 'ok\n/bin/busybox\n');
  });

  test('the server logs one JSON line per request: method, path, status, bytes, duration', T, async (t) => {
    if (server.kind !== 'berth') return t.skip('Berth log format');
    const src = await layout('logged');
    const img = await buildRandomImage(src, { tag: 'l', layers: [{ size: 300 * KiB }] });
    const proxy = await RecordingProxy.start(server.port);
    let exchanges: typeof proxy.exchanges;
    try {
      await skopeo.ok(['copy', `oci:${src.dir}:l`, `docker://${proxy.host}/logged/image:l`]);
      await skopeo.ok(['copy', `docker://${proxy.host}/logged/image:l`, `oci:${outDir('logged-pull')}:l`]);
      exchanges = [...proxy.exchanges];
    } finally {
      await proxy.close();
    }
    await server.stop(); // flushes the log
    const lines = server.logs().filter((l) => typeof l.method === 'string' && typeof l.status === 'number');
    const unused = new Set(lines);
    for (const e of exchanges) {
      const path = new URL(e.url, 'http://x').pathname;
      const line = [...unused].find((l) => l.method === e.method && l.status === e.status && l.path === path);
      assert.ok(line, `a log line for ${e.method} ${e.url} → ${e.status}`);
      unused.delete(line);
      assert.equal(typeof line.ms, 'number', 'duration');
      assert.ok((line.ms as number) >= 0);
      assert.equal(typeof line.bytes, 'number', 'bytes');
    }
    const layerGet = lines.find(
      (l) => l.method === 'GET' && l.path === `/v2/logged/image/blobs/${img.layers[0].digest}`,
    );
    assert.ok(layerGet, 'the layer download is logged');
    const manifestGet = lines.find(
      (l) => l.method === 'GET' && l.path === '/v2/logged/image/manifests/l' && l.status === 200,
    );
    assert.ok(manifestGet, 'the manifest download is logged');
    const ping = lines.find((l) => l.method === 'GET' && l.path === '/v2/' && l.status === 200);
    assert.ok(ping, 'the /v2/ ping is logged');
    await server.restart();
    // `bytes` is what was written to the socket: the body and the response headers.
    for (const [what, line, body] of [
      ['blob download', layerGet, img.layers[0].size],
      ['manifest download', manifestGet, img.manifestBytes.length],
      ['GET /v2/ ({})', ping, 2],
    ] as const) {
      const bytes = line.bytes as number;
      // Headers count too: about 1 KiB of them, the security headers (helmet) included.
      assert.ok(bytes >= body && bytes < body + 2048, `bytes logged for a ${what}: ${bytes} for a body of ${body}`);
    }
  });
});
