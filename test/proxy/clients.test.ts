/**
 * Real clients pulling through Berth: skopeo and podman through a proxy-cache
 * project and a group (CNCF Distribution upstream), podman with the
 * registries.conf Berth renders (docker.io mirrored by Berth, the upstream
 * last), and the containerd mirror request (`?ns=docker.io`) as containerd
 * sends it (no containerd on these machines).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { registriesConf } from '../../src/features/kube/mirrors.ts';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { ContainerTool } from '../support/container-tools.ts';
import {
  type BuiltImage,
  buildBusyboxImage,
  OciLayout,
  readLayoutImage,
  removeDir,
  Skopeo,
} from '../support/images.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { createProject, createRegistry } from './support.ts';

const T = { timeout: 300_000 };
let work: string;
let berth: RunningBerth;
let distribution: RegistryServer;
let skopeo: Skopeo;
let built: BuiltImage;
let podmanUnusable: string | false = false;

before(async () => {
  // podman refuses a runroot longer than 50 characters: keep the folder short.
  work = join(tmpdir(), `bpc-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { recursive: true });
  [berth, distribution, skopeo] = await Promise.all([
    startInProcess({ env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1', BERTH_PROXY_MIRRORS: 'docker.io=hub' } }),
    startServer({ kind: 'distribution' }),
    Skopeo.create(),
  ]);
  const layout = await OciLayout.create(join(work, 'src'));
  built = await buildBusyboxImage(layout, 'bb', { unique: true });
  await skopeo.ok(['copy', `oci:${layout.dir}:bb`, distribution.ref('library/busybox:1')]);
  const id = await createRegistry(berth, { name: 'dist', url: distribution.url });
  await createProject(berth, { project_name: 'hub', registry_id: id });
  await createProject(berth, { project_name: 'hosted' });
  await createProject(berth, { project_name: 'grp', group_members: ['hosted', 'hub'] });
  const probe = await ContainerTool.create('podman', join(work, 'probe'));
  const info = await probe.run(['info', '--format', '{{.Store.GraphDriverName}}']);
  if (info.code !== 0 || info.stdout.trim() !== 'vfs') podmanUnusable = `podman cannot run here: ${info.stderr.trim()}`;
  await probe.destroy();
});

after(async () => {
  await Promise.all([berth?.stop(), distribution?.cleanup(), skopeo?.cleanup()]);
  if (work) await removeDir(work);
});

for (const path of ['hub/library/busybox:1', 'grp/library/busybox:1']) {
  test(`skopeo copies ${path} through Berth, byte for byte`, T, async () => {
    const out = join(work, `out-${path.split('/')[0]}`);
    await skopeo.ok(['copy', `docker://${berth.host}/${path}`, `oci:${out}:x`]);
    const image = await readLayoutImage(out, 'x');
    assert.equal(image.root.digest, built.manifest.digest);
    assert.ok(image.blobs.has(built.config.digest));
    for (const l of built.layers) assert.ok(image.blobs.get(l.digest)?.length === l.size);
  });
}

test('podman pulls through the proxy project and the group', T, async (t) => {
  if (podmanUnusable) return t.skip(podmanUnusable);
  const podman = await ContainerTool.create('podman', join(work, 'pp'));
  try {
    for (const ref of [`${berth.host}/hub/library/busybox:1`, `${berth.host}/grp/library/busybox:1`]) {
      await podman.ok(['pull', '--tls-verify=false', ref]);
      const [inspect] = JSON.parse((await podman.ok(['image', 'inspect', ref])).stdout) as { Id: string }[];
      assert.equal(`sha256:${inspect?.Id}`, built.config.digest);
    }
  } finally {
    await podman.destroy();
  }
});

test(
  'podman pulls docker.io/library/busybox:1 with Berth as its mirror (registries.conf from the renderer)',
  T,
  async (t) => {
    if (podmanUnusable) return t.skip(podmanUnusable);
    const conf = join(work, 'registries.conf');
    await writeFile(
      conf,
      registriesConf([{ upstream: 'docker.io', mirrors: [{ address: berth.url, project: 'hub', namespace: true }] }]),
    );
    const podman = await ContainerTool.create('podman', join(work, 'pm'));
    process.env.CONTAINERS_REGISTRIES_CONF = conf;
    try {
      await podman.ok(['pull', 'docker.io/library/busybox:1']);
      const [inspect] = JSON.parse((await podman.ok(['image', 'inspect', 'docker.io/library/busybox:1'])).stdout) as {
        Id: string;
      }[];
      assert.equal(`sha256:${inspect?.Id}`, built.config.digest);
    } finally {
      delete process.env.CONTAINERS_REGISTRIES_CONF;
      await podman.destroy();
    }
  },
);

test('containerd mirror requests (?ns=docker.io) are answered from the project bound to docker.io', async () => {
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
  const head = await fetch(`${berth.url}/v2/library/busybox/manifests/1?ns=docker.io`, {
    method: 'HEAD',
    headers: { accept },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('docker-content-digest'), built.manifest.digest);
  const layer = built.layers[0]?.digest;
  const blob = await fetch(`${berth.url}/v2/library/busybox/blobs/${layer}?ns=docker.io`);
  assert.equal(blob.status, 200);
  assert.equal((await blob.arrayBuffer()).byteLength, built.layers[0]?.size);
});
