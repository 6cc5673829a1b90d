/**
 * buildah (Debian) against a real registry server, as root without a
 * container runtime: build on top of a busybox image built offline (copy a
 * file in, set the command and a label, commit), push it, pull it into fresh
 * storage with `buildah from`, and prove the result with skopeo, umoci and
 * chroot.
 *
 * Run: node --import tsx --test test/clients/buildah.test.ts
 * (BERTH_TEST_SERVER=distribution runs the same tests against docker-registry.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { ContainerTool } from '../support/container-tools.ts';
import {
  buildBusyboxImage,
  MT,
  OciLayout,
  ok,
  readLayoutImage,
  removeDir,
  run,
  Skopeo,
  sha256,
} from '../support/images.ts';

const T = { timeout: 300_000 };

let work: string;
let server: RegistryServer;
let skopeo: Skopeo;

before(async () => {
  work = join(tmpdir(), `berth-buildah-${randomBytes(6).toString('hex')}`);
  await mkdir(work, { recursive: true });
  skopeo = await Skopeo.create();
  server = await startServer();
});

after(async () => {
  await server?.cleanup();
  await skopeo?.cleanup();
  if (work) await removeDir(work);
});

test('buildah builds on busybox, pushes, and pulls the image back into fresh storage', T, async () => {
  const base = await OciLayout.create(join(work, 'base'));
  const busybox = await buildBusyboxImage(base, 'bb');
  const marker = `built by buildah ${randomBytes(8).toString('hex')}\n`;
  await writeFile(join(work, 'hello.txt'), marker);

  const builder = await ContainerTool.create('buildah', join(work, 'builder'));
  const ref = `${server.host}/buildah/hello:1`;
  const digestFile = join(work, 'push.digest');
  try {
    const ctr = (await builder.ok(['from', `oci:${base.dir}:bb`])).stdout.trim().split('\n').pop() as string;
    await builder.ok(['copy', ctr, join(work, 'hello.txt'), '/etc/hello.txt']);
    await builder.ok([
      'config',
      '--cmd',
      '["/bin/cat", "/etc/hello.txt"]',
      '--label',
      'org.example.built-by=berth-test',
      ctr,
    ]);
    await builder.ok(['commit', '--format', 'oci', ctr, 'berth-hello:1']);
    await builder.ok(['push', '--tls-verify=false', '--digestfile', digestFile, 'berth-hello:1', `docker://${ref}`]);
  } finally {
    await builder.destroy();
  }
  const pushed = (await readFile(digestFile, 'utf8')).trim();

  // The registry serves what buildah pushed.
  const res = await fetch(`${server.url}/v2/buildah/hello/manifests/1`, { headers: { accept: MT.ociManifest } });
  assert.equal(res.status, 200);
  const manifestBytes = Buffer.from(await res.arrayBuffer());
  assert.equal(sha256(manifestBytes), pushed);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { mediaType: string; layers: unknown[] };
  assert.equal(manifest.mediaType, MT.ociManifest);
  assert.equal(manifest.layers.length, 2, 'the busybox layer and the one buildah added');

  // A fresh buildah pulls it (`from` a registry image).
  const puller = await ContainerTool.create('buildah', join(work, 'puller'));
  try {
    const ctr = (await puller.ok(['from', '--tls-verify=false', `docker://${ref}`])).stdout
      .trim()
      .split('\n')
      .pop() as string;
    const inspect = JSON.parse((await puller.ok(['inspect', '--type', 'container', ctr])).stdout) as {
      FromImageDigest: string;
      OCIv1: { config: { Cmd: string[]; Labels: Record<string, string> }; rootfs: { diff_ids: string[] } };
    };
    assert.equal(inspect.FromImageDigest, pushed, 'pulled by the pushed digest');
    assert.deepEqual(inspect.OCIv1.config.Cmd, ['/bin/cat', '/etc/hello.txt']);
    assert.equal(inspect.OCIv1.config.Labels['org.example.built-by'], 'berth-test');
    const baseConfig = JSON.parse(await readFile(base.blobPath(busybox.config.digest), 'utf8')) as {
      rootfs: { diff_ids: string[] };
    };
    assert.equal(inspect.OCIv1.rootfs.diff_ids[0], baseConfig.rootfs.diff_ids[0], 'the base layer is the busybox one');
  } finally {
    await puller.destroy();
  }

  // And the image runs: skopeo pull, umoci unpack, chroot.
  const out = join(work, 'pulled');
  await skopeo.ok(['copy', server.ref('buildah/hello:1'), `oci:${out}:x`]);
  const graph = await readLayoutImage(out, 'x');
  assert.equal(graph.root.digest, pushed);
  const bundle = join(work, 'bundle');
  ok(await run('umoci', ['unpack', '--image', `${out}:x`, bundle]), 'umoci unpack');
  const cat = ok(await run('chroot', [join(bundle, 'rootfs'), '/bin/cat', '/etc/hello.txt']), 'chroot cat');
  assert.equal(cat.stdout, marker);
});
