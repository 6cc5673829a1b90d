/** Test support: Berth in-process on port 0 with auth on, and small HTTP helpers. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Berth, buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';

export const ADMIN_PASSWORD = 'Harbor12345';

export interface Running {
  url: string;
  host: string;
  berth: Berth;
  dir: string;
  close(): Promise<void>;
}

/** Berth with auth on and ADMIN_PASSWORD; `env` adds or overrides BERTH_* settings. */
export async function startBerth(env: Record<string, string> = {}, port = 0): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-access-'));
  const config = loadConfig({
    env: {
      BERTH_DATA: dir,
      BERTH_HOST: '127.0.0.1',
      BERTH_PORT: String(port),
      BERTH_LOG_LEVEL: 'silent',
      BERTH_AUTH: 'on',
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...env,
    },
  });
  const berth = await buildApp(config, pino({ level: 'silent' }));
  const address = await berth.app.listen({ host: '127.0.0.1', port });
  const url = address.replace('localhost', '127.0.0.1');
  return {
    url,
    host: new URL(url).host,
    berth,
    dir,
    async close() {
      await berth.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const ADMIN = basic('admin', ADMIN_PASSWORD);

export interface Reply {
  status: number;
  headers: Headers;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON reply's shape depends on the endpoint; each test asserts what it reads
  json: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { auth?: string; body?: unknown; headers?: Record<string, string>; raw?: Buffer | string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth) headers.authorization = options.auth;
  let body: string | Blob | undefined;
  if (options.raw !== undefined)
    body = typeof options.raw === 'string' ? options.raw : new Blob([new Uint8Array(options.raw)]);
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a JSON reply's shape depends on the endpoint; each test asserts what it reads
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: text, json };
}

/** The management API. */
export const api = (r: Running, method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  call(r.url, method, `/api/v2.0${path}`, options);

export async function createUser(r: Running, username: string, password = 'Passw0rdX'): Promise<number> {
  const res = await api(r, 'POST', '/users', { auth: ADMIN, body: { username, password, email: `${username}@x` } });
  if (res.status !== 201) throw new Error(`create user ${username}: ${res.status} ${res.body}`);
  return Number(res.headers.get('location')?.split('/').pop());
}

export async function createProject(r: Running, name: string, isPublic = false, auth = ADMIN): Promise<number> {
  const res = await api(r, 'POST', '/projects', {
    auth,
    body: { project_name: name, metadata: { public: String(isPublic) } },
  });
  if (res.status !== 201) throw new Error(`create project ${name}: ${res.status} ${res.body}`);
  return Number(res.headers.get('location')?.split('/').pop());
}

export async function addMember(r: Running, project: string, username: string, roleId: number): Promise<void> {
  const res = await api(r, 'POST', `/projects/${project}/members`, {
    auth: ADMIN,
    body: { role_id: roleId, member_user: { username } },
  });
  if (res.status !== 201) throw new Error(`add member: ${res.status} ${res.body}`);
}

/** A token from /service/token for the given scopes. */
export async function token(r: Running, scopes: string[], auth?: string): Promise<string> {
  const q = new URLSearchParams({ service: 'berth' });
  for (const s of scopes) q.append('scope', s);
  const res = await call(r.url, 'GET', `/service/token?${q}`, { auth });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.body}`);
  return res.json.token;
}

export const bearer = (t: string) => `Bearer ${t}`;
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes a one-layer image with the given authorization; returns the manifest digest or throws the failing reply. */
export async function pushImage(r: Running, repo: string, tag: string, auth?: string): Promise<string> {
  const layer = Buffer.from(`layer of ${repo}:${tag} ${Math.random()}`);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  for (const blob of [layer, config]) {
    const res = await call(r.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha(blob)}`, {
      auth,
      raw: blob,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw Object.assign(new Error(`blob push ${res.status}`), { reply: res });
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
  });
  const res = await call(r.url, 'PUT', `/v2/${repo}/manifests/${tag}`, {
    auth,
    raw: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw Object.assign(new Error(`manifest push ${res.status}`), { reply: res });
  return sha(manifest);
}

export const errorCode = (r: Reply) => r.json?.errors?.[0]?.code;

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

/** Retries `check` until it passes or 3 s have gone: registry audit lines are written just after the response. */
export async function eventually(check: () => Promise<void>): Promise<void> {
  const until = Date.now() + 3000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
