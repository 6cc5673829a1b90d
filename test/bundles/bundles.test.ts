/**
 * Offline bundles: three images (one a two-platform index) exported from a
 * running Berth, imported into a fresh data folder, served byte-identically
 * by a second Berth; a damaged bundle is refused; an incremental bundle
 * carries only new blobs; skopeo and umoci read Berth's bundles and Berth
 * imports skopeo's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BERTH_BIN, ensureBuilt, type RegistryServer, startServer } from '../support/berth.ts';
import {
  assertLayoutsEqual,
  buildBusyboxImage,
  buildRandomImage,
  buildTwoPlatformIndex,
  OciLayout,
  REF_NAME,
  removeDir,
  Skopeo,
  tempDir,
} from '../support/images.ts';

function berth(args: string[]): string {
  ensureBuilt();
  return execFileSync(process.execPath, [BERTH_BIN, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BERTH_AUTH: 'off' },
  });
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('berth export / import', () => {
  let dir: string;
  let source: RegistryServer;
  let skopeo: Skopeo;
  const images = ['edge/busybox:v1', 'edge/app:1.0', 'edge/multi:latest'];
  before(async () => {
    dir = await tempDir('berth-bundles-');
    skopeo = await Skopeo.create();
    source = await startServer();
    const layout = await OciLayout.create(join(dir, 'src'));
    await buildBusyboxImage(layout, 'busybox', { unique: true });
    await buildRandomImage(layout, {
      tag: 'app',
      layers: [{ size: 300_000 }, { size: 2_000_000, compression: 'none' }],
    });
    await buildTwoPlatformIndex(layout, 'multi');
    for (const [tag, ref] of [
      ['busybox', images[0]],
      ['app', images[1]],
      ['multi', images[2]],
    ])
      await skopeo.ok(['copy', '--all', '--preserve-digests', `oci:${layout.dir}:${tag}`, source.ref(ref)]);
    // Another project, not to be exported by --project edge.
    await skopeo.ok(['copy', `oci:${layout.dir}:busybox`, source.ref('other/busybox:v1')]);
  });
  after(async () => {
    await source?.stop();
    await skopeo?.cleanup();
    await removeDir(dir);
  });

  test('three images exported while Berth runs are served byte-identically by a fresh Berth after import', async () => {
    const bundle = join(dir, 'edge.tar');
    const out = berth(['export', '--project', 'edge', '--output', bundle, '--data', source.dataDir]);
    assert.match(out, /exported 3 images/);
    const names = tarList(bundle);
    const blobs = names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 'blobs/sha256/'.length);
    assert.equal(new Set(blobs).size, blobs.length, 'each blob once');
    const index = JSON.parse(execFileSync('tar', ['-xOf', bundle, 'index.json'], { encoding: 'utf8' }));
    assert.deepEqual(
      index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations[REF_NAME]).sort(),
      [...images].sort(),
    );

    const fresh = join(dir, 'fresh');
    const imported = berth(['import', bundle, '--data', fresh]);
    assert.match(imported, /imported 3 images: \d+ blobs written/);
    const again = berth(['import', bundle, '--data', fresh]);
    assert.match(again, /imported 3 images: 0 blobs written \(0\.0 MiB\), \d+ already present/);

    const target = await startServer({ dataDir: fresh });
    try {
      for (const [i, ref] of images.entries()) {
        await skopeo.ok(['copy', '--all', '--preserve-digests', source.ref(ref), `oci:${join(dir, 'from-a')}:i${i}`]);
        await skopeo.ok(['copy', '--all', '--preserve-digests', target.ref(ref), `oci:${join(dir, 'from-b')}:i${i}`]);
        await assertLayoutsEqual(join(dir, 'from-a'), `i${i}`, join(dir, 'from-b'), `i${i}`);
      }
      const fsck = await target.fsck();
      assert.equal(fsck.code, 0, fsck.stdout);
    } finally {
      await target.stop();
    }
  });

  test('a bundle with a damaged blob is refused and nothing is tagged', async () => {
    const bundle = join(dir, 'one.tar');
    berth(['export', 'edge/app:1.0', '--output', bundle, '--data', source.dataDir]);
    const bytes = await readFile(bundle);
    const damaged = Buffer.from(bytes);
    // A byte in the middle of the archive: inside the 2 MB uncompressed layer, the bulk of it.
    damaged[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(join(dir, 'damaged.tar'), damaged);
    assert.throws(() => berth(['import', join(dir, 'damaged.tar'), '--data', join(dir, 'refused')]), /damaged/);
    const refused = await startServer({ dataDir: join(dir, 'refused') });
    try {
      assert.equal((await fetch(`${refused.url}/v2/edge/app/manifests/1.0`, { method: 'HEAD' })).status, 404);
    } finally {
      await refused.stop();
    }
  });

  test('an incremental bundle carries only blobs the previous one lacks', async () => {
    const first = join(dir, 'first.tar');
    berth(['export', '--project', 'edge', '--output', first, '--data', source.dataDir]);
    const layout = await OciLayout.create(join(dir, 'src'));
    await buildRandomImage(layout, { tag: 'app2', layers: [{ size: 100_000 }] });
    await skopeo.ok(['copy', `oci:${layout.dir}:app2`, source.ref('edge/app:2.0')]);
    const second = join(dir, 'second.tar');
    const out = berth(['export', '--project', 'edge', '--since', first, '--output', second, '--data', source.dataDir]);
    assert.match(out, /exported 4 images: 3 blobs .* left out/);
    // The same from only the first bundle's index.json, which is all a site needs to send back.
    const indexOnly = join(dir, 'first-index.json');
    await writeFile(indexOnly, execFileSync('tar', ['-xOf', first, 'index.json']));
    const fromIndex = berth([
      'export',
      '--project',
      'edge',
      '--since',
      indexOnly,
      '--output',
      join(dir, 'second-b.tar'),
      '--data',
      source.dataDir,
    ]);
    assert.match(fromIndex, /exported 4 images: 3 blobs .* left out/);
    assert.deepEqual(
      tarList(join(dir, 'second-b.tar')).filter((n) => n.startsWith('blobs/')),
      tarList(second).filter((n) => n.startsWith('blobs/')),
    );
    const site = join(dir, 'site');
    berth(['import', first, '--data', site]);
    assert.match(berth(['import', second, '--data', site]), /imported 4 images: 3 blobs written/);
    // Without the first bundle, the second cannot stand alone.
    assert.throws(() => berth(['import', second, '--data', join(dir, 'lonely')]), /import the previous bundle first/);
    const target = await startServer({ dataDir: site });
    try {
      await skopeo.ok(['copy', '--preserve-digests', target.ref('edge/app:2.0'), `oci:${join(dir, 'site-pull')}:v2`]);
      await skopeo.ok(['copy', '--preserve-digests', `oci:${layout.dir}:app2`, `oci:${join(dir, 'site-src')}:v2`]);
      await assertLayoutsEqual(join(dir, 'site-src'), 'v2', join(dir, 'site-pull'), 'v2');
    } finally {
      await target.stop();
    }
  });

  test('skopeo and umoci read a Berth bundle; Berth imports a skopeo-made bundle', async () => {
    const bundle = join(dir, 'busybox.tar');
    berth(['export', 'edge/busybox:v1', '--output', bundle, '--data', source.dataDir]);
    await skopeo.ok([
      'copy',
      '--preserve-digests',
      `oci-archive:${bundle}:edge/busybox:v1`,
      `oci:${join(dir, 'via-skopeo')}:v1`,
    ]);
    await skopeo.ok(['copy', '--preserve-digests', source.ref('edge/busybox:v1'), `oci:${join(dir, 'direct')}:v1`]);
    await assertLayoutsEqual(join(dir, 'direct'), 'v1', join(dir, 'via-skopeo'), 'v1');
    // umoci unpacks it from the extracted layout and the busybox in it runs.
    const extracted = join(dir, 'extracted');
    execFileSync('mkdir', ['-p', extracted]);
    execFileSync('tar', ['-xf', bundle, '-C', extracted]);
    const listed = execFileSync('umoci', ['ls', '--layout', extracted], { encoding: 'utf8' });
    assert.match(listed, /edge\/busybox:v1/);
    execFileSync('umoci', ['unpack', '--image', `${extracted}:edge/busybox:v1`, join(dir, 'bundle')]);
    assert.equal(
      execFileSync('chroot', [join(dir, 'bundle', 'rootfs'), '/bin/sh', '-c', 'echo ok'], { encoding: 'utf8' }),
      'ok\n',
    );

    // skopeo writes a bundle; Berth imports it (bare tag → --repository; and a full name).
    const made = join(dir, 'made-by-skopeo.tar');
    await skopeo.ok(['copy', '--preserve-digests', `oci:${join(dir, 'direct')}:v1`, `oci-archive:${made}:v7`]);
    const site = join(dir, 'skopeo-site');
    assert.match(berth(['import', made, '--repository', 'imported/busybox', '--data', site]), /imported 1 images/);
    const named = join(dir, 'named-by-skopeo.tar');
    await skopeo.ok([
      'copy',
      '--preserve-digests',
      `oci:${join(dir, 'direct')}:v1`,
      `oci-archive:${named}:lib/busybox:v8`,
    ]);
    assert.match(berth(['import', named, '--project', 'edge2', '--data', site]), /edge2\/busybox:v8/);
    const target = await startServer({ dataDir: site });
    try {
      await skopeo.ok(['copy', '--preserve-digests', target.ref('imported/busybox:v7'), `oci:${join(dir, 'back')}:v7`]);
      await skopeo.ok(['copy', '--preserve-digests', target.ref('edge2/busybox:v8'), `oci:${join(dir, 'back')}:v8`]);
      await assertLayoutsEqual(join(dir, 'direct'), 'v1', join(dir, 'back'), 'v7');
      await assertLayoutsEqual(join(dir, 'direct'), 'v1', join(dir, 'back'), 'v8');
    } finally {
      await target.stop();
    }
  });

  test('a running Berth imports a bundle through its API: administrators only, bad input changes nothing', async () => {
    const bundle = join(dir, 'live.tar');
    berth(['export', ...images, '--output', bundle, '--data', source.dataDir]);
    const password = 'Bundles-Admin-1';
    const target = await startServer({ env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: password } });
    const admin = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const post = (body: Uint8Array, authorization?: string) =>
      fetch(`${target.url}/api/v2.0/bundles/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-tar', ...(authorization ? { authorization } : {}) },
        body: new Uint8Array(body),
      });
    try {
      const bytes = await readFile(bundle);
      assert.equal((await post(bytes)).status, 401, 'anonymous');
      const created = await fetch(`${target.url}/api/v2.0/users`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'dev', password: 'Bundles-Dev-1', email: 'dev@example.com', realname: 'Dev' }),
      });
      assert.equal(created.status, 201, await created.text());
      const dev = `Basic ${Buffer.from('dev:Bundles-Dev-1').toString('base64')}`;
      assert.equal((await post(bytes, dev)).status, 403, 'not an administrator');
      const garbage = await post(Buffer.from('not a tar archive at all'), admin);
      assert.equal(garbage.status, 400);
      assert.match(((await garbage.json()) as { errors: { message: string }[] }).errors[0].message, /OCI image layout/);
      const project = await fetch(`${target.url}/api/v2.0/projects/edge`, { headers: { authorization: admin } });
      assert.equal(project.status, 404, 'a refused import creates no project');

      // The CLI uploads with a progress bar; the server tags as the admin's push would.
      const out = execFileSync(process.execPath, [BERTH_BIN, 'import', bundle, '--url', target.url], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, BERTH_USERNAME: 'admin', BERTH_PASSWORD: password },
      });
      assert.match(out, /imported 3 images: \d+ blobs written/);
      const again = await post(bytes, admin);
      assert.equal(again.status, 201);
      const report = (await again.json()) as { blobs_written: number; blobs_present: number; images: unknown[] };
      assert.equal(report.images.length, 3);
      assert.equal(report.blobs_written, 0, 'blobs already present are verified, not written again');
      assert.ok(report.blobs_present > 0);
      assert.equal(
        (await fetch(`${target.url}/api/v2.0/projects/edge`, { headers: { authorization: admin } })).status,
        200,
      );
      const audit = (await (
        await fetch(`${target.url}/api/v2.0/audit-logs?page_size=100`, { headers: { authorization: admin } })
      ).json()) as { operation: string; username: string; resource: string }[];
      assert.ok(audit.some((e) => e.operation === 'import' && e.username === 'admin' && e.resource === images[1]));

      for (const [i, ref] of images.entries()) {
        await skopeo.ok(['copy', '--all', '--preserve-digests', source.ref(ref), `oci:${join(dir, 'live-a')}:i${i}`]);
        await skopeo.ok([
          'copy',
          '--all',
          '--preserve-digests',
          '--src-creds',
          `admin:${password}`,
          target.ref(ref),
          `oci:${join(dir, 'live-b')}:i${i}`,
        ]);
        await assertLayoutsEqual(join(dir, 'live-a'), `i${i}`, join(dir, 'live-b'), `i${i}`);
      }
    } finally {
      await target.stop();
    }
  });
});
