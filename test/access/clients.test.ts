/** Real clients against Berth with auth on: skopeo login/--creds and podman login/pull/push. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ContainerTool } from '../support/container-tools.ts';
import {
  ADMIN,
  ADMIN_PASSWORD,
  addMember,
  api,
  createProject,
  createUser,
  eventually,
  type Running,
  startBerth,
} from './support.ts';

const run = promisify(execFile);
let r: Running;
let work: string;

async function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A one-layer OCI image layout with a real tar layer. */
async function ociLayout(dir: string): Promise<void> {
  const files = join(dir, 'files');
  await mkdir(files, { recursive: true });
  await writeFile(join(files, 'hello.txt'), `hello ${Date.now()}\n`);
  await run('tar', ['-C', files, '-cf', join(dir, 'layer.tar'), 'hello.txt']);
  const layer = await readFile(join(dir, 'layer.tar'));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha(config)}`,
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha(layer)}`, size: layer.length },
      ],
    }),
  );
  const layout = join(dir, 'layout');
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest]) await writeFile(join(layout, 'blobs', 'sha256', sha(b)), b);
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha(manifest)}`,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
}

before(async () => {
  r = await startBerth();
  work = await mkdtemp(join(tmpdir(), 'berth-clients-'));
  await ociLayout(work);
  await createProject(r, 'team', false);
  await createProject(r, 'open', true);
  await createUser(r, 'carol', 'Carolpass1');
  await addMember(r, 'team', 'carol', 2);
});
after(async () => {
  await r.close();
  await rm(work, { recursive: true, force: true });
});

test('skopeo --creds pushes and pulls; without them the private project is refused', async () => {
  const layout = `oci:${join(work, 'layout')}:v1`;
  const pushed = await sh('skopeo', [
    'copy',
    '--dest-tls-verify=false',
    '--dest-creds',
    'carol:Carolpass1',
    layout,
    `docker://${r.host}/team/hello:v1`,
  ]);
  assert.equal(pushed.code, 0, pushed.out);
  const anon = await sh('skopeo', ['inspect', '--tls-verify=false', '--no-creds', `docker://${r.host}/team/hello:v1`]);
  assert.notEqual(anon.code, 0);
  assert.match(anon.out, /unauthorized|authentication required/i);
  const wrong = await sh('skopeo', [
    'inspect',
    '--tls-verify=false',
    '--creds',
    'carol:nope',
    `docker://${r.host}/team/hello:v1`,
  ]);
  assert.notEqual(wrong.code, 0);
  const ok = await sh('skopeo', [
    'inspect',
    '--tls-verify=false',
    '--creds',
    'carol:Carolpass1',
    `docker://${r.host}/team/hello:v1`,
  ]);
  assert.equal(ok.code, 0, ok.out);
  assert.equal(JSON.parse(ok.out).Name, `${r.host}/team/hello`);
});

test('skopeo login, then copy into a public project, then an anonymous pull', async () => {
  const authfile = join(work, 'skopeo-auth.json');
  const bad = await sh('skopeo', [
    'login',
    '--tls-verify=false',
    '--authfile',
    authfile,
    '-u',
    'admin',
    '-p',
    'wrong',
    r.host,
  ]);
  assert.notEqual(bad.code, 0);
  const login = await sh('skopeo', [
    'login',
    '--tls-verify=false',
    '--authfile',
    authfile,
    '-u',
    'admin',
    '-p',
    ADMIN_PASSWORD,
    r.host,
  ]);
  assert.equal(login.code, 0, login.out);
  assert.match(login.out, /Login Succeeded/);
  const copy = await sh('skopeo', [
    'copy',
    '--dest-tls-verify=false',
    '--authfile',
    authfile,
    `oci:${join(work, 'layout')}:v1`,
    `docker://${r.host}/open/hello:v1`,
  ]);
  assert.equal(copy.code, 0, copy.out);
  const anon = await sh('skopeo', ['inspect', '--tls-verify=false', '--no-creds', `docker://${r.host}/open/hello:v1`]);
  assert.equal(anon.code, 0, anon.out);
});

test('podman login, pull and push', async () => {
  const tool = await ContainerTool.create('podman', join(work, 'podman'));
  const podman = async (...args: string[]) => {
    const r = await tool.run(args);
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const bad = await podman('login', '--tls-verify=false', '-u', 'carol', '-p', 'wrongpass', r.host);
  assert.notEqual(bad.code, 0);
  const login = await podman('login', '--tls-verify=false', '-u', 'carol', '-p', 'Carolpass1', r.host);
  assert.equal(login.code, 0, login.out);
  assert.match(login.out, /Login Succeeded/);
  // skopeo pushed team/hello:v1 above; carol (developer) pulls it and pushes a new tag.
  const pull = await podman('pull', '--tls-verify=false', `${r.host}/team/hello:v1`);
  assert.equal(pull.code, 0, pull.out);
  const tag = await podman('tag', `${r.host}/team/hello:v1`, `${r.host}/team/hello:v2`);
  assert.equal(tag.code, 0, tag.out);
  const push = await podman('push', '--tls-verify=false', `${r.host}/team/hello:v2`);
  assert.equal(push.code, 0, push.out);
  await eventually(async () => {
    const logs = await api(r, 'GET', '/projects/team/logs?page_size=100', { auth: ADMIN });
    assert.ok(
      logs.json.some((e: { operation: string; username: string }) => e.operation === 'push' && e.username === 'carol'),
    );
  });
  const logout = await podman('logout', r.host);
  assert.equal(logout.code, 0, logout.out);
  const denied = await podman('push', '--tls-verify=false', `${r.host}/team/hello:v2`);
  assert.notEqual(denied.code, 0);
  await tool.destroy();
});
