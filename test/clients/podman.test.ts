/**
 * podman (Debian) against a real registry server, as root without systemd:
 * `podman --root R --runroot RR --storage-driver vfs --cgroup-manager cgroupfs
 * --events-backend file push|pull --tls-verify=false`. A busybox image built
 * offline is pushed, the local storage is thrown away, the image is pulled
 * back into a fresh one, exported, unpacked with umoci and run with chroot
 * (`podman run` cannot run containers on these machines: cgroups).
 *
 * Run: node --import tsx --test test/clients/podman.test.ts
 * (BERTH_TEST_SERVER=distribution runs the same tests against docker-registry.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { ContainerTool } from '../support/container-tools.ts';
import {
  buildBusyboxImage,
  buildTwoPlatformIndex,
  busyboxPath,
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
let unusable: string | false = false;

before(async () => {
  // podman names images pulled from `oci:` after the path: keep it lowercase.
  work = join(tmpdir(), `berth-podman-${randomBytes(6).toString('hex')}`);
  await mkdir(work, { recursive: true });
  const probe = await ContainerTool.create('podman', join(work, 'probe'));
  const info = await probe.run(['info', '--format', '{{.Store.GraphDriverName}}']);
  if (info.code !== 0 || info.stdout.trim() !== 'vfs') {
    unusable = `podman cannot run here: ${info.stderr.trim() || info.stdout.trim()}`;
  }
  await probe.destroy();
  server = await startServer();
});

after(async () => {
  await server?.cleanup();
  if (work) await removeDir(work);
});

/** Exports `image` from podman's storage into an OCI layout, unpacks it with umoci and runs a shell in it. */
async function provesRunnable(podman: ContainerTool, image: string, name: string): Promise<void> {
  const layoutDir = join(work, `${name}-export`);
  await podman.ok(['push', image, `oci:${layoutDir}:run`]);
  const bundle = join(work, `${name}-bundle`);
  ok(await run('umoci', ['unpack', '--image', `${layoutDir}:run`, bundle]), 'umoci unpack');
  const rootfs = join(bundle, 'rootfs');
  const busybox = await readFile(join(rootfs, 'bin', 'busybox'));
  assert.ok(busybox.equals(await readFile(busyboxPath())), '/bin/busybox came through whole');
  const sh = ok(await run('chroot', [rootfs, '/bin/sh', '-c', 'echo ok; uname -m']), 'chroot /bin/sh');
  assert.equal(sh.stdout, 'ok\nx86_64\n');
}

describe('podman push and pull', () => {
  test('podman pushes a busybox image and pulls it back into fresh storage, and it runs', T, async (t) => {
    if (unusable) return t.skip(unusable);
    const srcLayout = await OciLayout.create(join(work, 'busybox'));
    const built = await buildBusyboxImage(srcLayout, 'bb');

    const pusher = await ContainerTool.create('podman', join(work, 'pusher'));
    const id = (await pusher.ok(['pull', '--quiet', `oci:${srcLayout.dir}:bb`])).stdout.trim();
    assert.equal(`sha256:${id}`, built.config.digest, 'podman loaded the image built offline');
    const ref = `${server.host}/podman/busybox:1.35`;
    await pusher.ok(['tag', id, ref]);
    const digestFile = join(work, 'push.digest');
    await pusher.ok(['push', '--tls-verify=false', '--digestfile', digestFile, ref]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    await pusher.destroy();

    // What podman pushed is what the registry serves, with the exact bytes.
    const res = await fetch(`${server.url}/v2/podman/busybox/manifests/1.35`, {
      headers: { accept: [MT.ociManifest, MT.dockerManifest].join(', ') },
    });
    assert.equal(res.status, 200);
    const served = Buffer.from(await res.arrayBuffer());
    assert.equal(sha256(served), pushed, 'served manifest hashes to the digest podman pushed');
    assert.equal(res.headers.get('docker-content-digest'), pushed);
    const manifest = JSON.parse(served.toString('utf8')) as { config: { digest: string }; layers: unknown[] };
    assert.equal(manifest.config.digest, built.config.digest, 'image config unchanged');
    assert.equal(manifest.layers.length, 1);

    const puller = await ContainerTool.create('podman', join(work, 'puller'));
    try {
      await puller.ok(['pull', '--tls-verify=false', ref]);
      const inspect = JSON.parse((await puller.ok(['image', 'inspect', ref])).stdout) as {
        Id: string;
        Digest: string;
        Architecture: string;
        Config: { Cmd: string[] };
      }[];
      assert.equal(inspect.length, 1);
      assert.equal(`sha256:${inspect[0].Id}`, built.config.digest, 'image id is the config digest');
      assert.equal(inspect[0].Digest, pushed, 'pulled manifest digest');
      assert.equal(inspect[0].Architecture, 'amd64');
      assert.deepEqual(inspect[0].Config.Cmd, ['/bin/sh']);
      await provesRunnable(puller, ref, 'busybox');
    } finally {
      await puller.destroy();
    }
  });

  test('podman push --format v2s2 and pull by digest', T, async (t) => {
    if (unusable) return t.skip(unusable);
    const srcLayout = await OciLayout.create(join(work, 'busybox-docker'));
    const built = await buildBusyboxImage(srcLayout, 'bb', { unique: true });
    const pusher = await ContainerTool.create('podman', join(work, 'pusher2'));
    const id = (await pusher.ok(['pull', '--quiet', `oci:${srcLayout.dir}:bb`])).stdout.trim();
    assert.equal(`sha256:${id}`, built.config.digest, 'podman loaded the image built offline');
    const ref = `${server.host}/podman/docker:v2s2`;
    await pusher.ok(['tag', id, ref]);
    const digestFile = join(work, 'push2.digest');
    await pusher.ok(['push', '--tls-verify=false', '--format', 'v2s2', '--digestfile', digestFile, ref]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    await pusher.destroy();

    const res = await fetch(`${server.url}/v2/podman/docker/manifests/${pushed}`, {
      headers: { accept: MT.dockerManifest },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), MT.dockerManifest);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), pushed);

    const puller = await ContainerTool.create('podman', join(work, 'puller2'));
    try {
      const byDigest = `${server.host}/podman/docker@${pushed}`;
      await puller.ok(['pull', '--tls-verify=false', byDigest]);
      const inspect = JSON.parse((await puller.ok(['image', 'inspect', byDigest])).stdout) as {
        Id: string;
        Digest: string;
      }[];
      assert.equal(`sha256:${inspect[0].Id}`, built.config.digest);
      assert.equal(inspect[0].Digest, pushed);
      await provesRunnable(puller, byDigest, 'busybox-docker');
    } finally {
      await puller.destroy();
    }
  });

  test('podman pull --arch arm64 picks the arm64 image of a two-platform index', T, async (t) => {
    if (unusable) return t.skip(unusable);
    const srcLayout = await OciLayout.create(join(work, 'index'));
    const built = await buildTwoPlatformIndex(srcLayout, 'multi', [{ size: 64 * 1024 }]);
    const skopeo = await Skopeo.create();
    try {
      await skopeo.ok(['copy', '--all', `oci:${srcLayout.dir}:multi`, server.ref('podman/index:multi')]);
    } finally {
      await skopeo.cleanup();
    }
    const puller = await ContainerTool.create('podman', join(work, 'puller3'));
    try {
      const ref = `${server.host}/podman/index:multi`;
      for (const [arch, image] of [
        ['arm64', built.images[1]],
        ['amd64', built.images[0]],
      ] as const) {
        await puller.ok(['pull', '--tls-verify=false', '--arch', arch, ref]);
        const inspect = JSON.parse((await puller.ok(['image', 'inspect', ref])).stdout) as {
          Id: string;
          Architecture: string;
        }[];
        assert.equal(inspect[0].Architecture, arch);
        assert.equal(`sha256:${inspect[0].Id}`, image.config.digest, `${arch} config`);
      }
      // The exported image keeps the pulled layer bytes.
      const out = join(work, 'index-export');
      await puller.ok(['push', ref, `oci:${out}:x`]);
      const got = await readLayoutImage(out, 'x');
      const cfg = JSON.parse((got.blobs.get(built.images[0].config.digest) as Buffer).toString('utf8')) as {
        architecture: string;
      };
      assert.equal(cfg.architecture, 'amd64');
    } finally {
      await puller.destroy();
    }
  });
});
