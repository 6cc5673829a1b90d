/** What the console's end-to-end tests need: a Berth server, skopeo with a private cache, Chromium. */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { type BrowserContext, chromium } from 'playwright-core';
import { type Berth, buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';

const exec = promisify(execFile);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');
export const CHROMIUM = '/usr/bin/chromium';

/** Why the end-to-end tests cannot run here, or null when they can. */
export function missingTools(): string | null {
  if (!existsSync(CHROMIUM)) return 'Chromium is not installed (apt-get install -y chromium)';
  if (spawnSync('skopeo', ['--version']).status !== 0) return 'skopeo is not installed (apt-get install -y skopeo)';
  return null;
}

/** Builds web/dist when it is missing (a checkout without `npm ci`). */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'web/dist/index.html'))) return;
  await exec('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT });
}

export const ADMIN_PASSWORD = 'Console-e2e-12345';

export interface RunningBerth {
  berth: Berth;
  url: string;
  hostPort: string;
  dir: string;
  /** Whether the identity module (accounts, projects, robots) is installed: then auth is on. */
  identity: boolean;
  /** Authorization header for the administrator (when `identity`). */
  adminAuth: string | null;
  /** fetch against the server, as the administrator when auth is on. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * Berth on a random loopback port with a fresh data folder. Auth is asked
 * for with a known admin password; a server without the identity module
 * ignores those settings and runs open.
 */
export async function startBerth(extra: { env?: Record<string, string>; port?: number } = {}): Promise<RunningBerth> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-e2e-'));
  const berth = await buildApp(
    loadConfig({
      env: {
        BERTH_DATA: join(dir, 'data'),
        BERTH_PORT: '0',
        BERTH_HOST: '127.0.0.1',
        BERTH_AUTH: 'on',
        BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // The Kubernetes pages test against registries and API servers on loopback.
        BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
        ...extra.env,
      },
    }),
    pino({ level: 'silent' }),
  );
  // A fixed port when the caller had to name the address first (an OIDC redirect URL).
  await berth.app.listen({ host: '127.0.0.1', port: extra.port ?? 0 });
  const { port } = berth.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const probe = await globalThis.fetch(`${url}/api/v2.0/users/current`);
  const probeBody = (await probe.json().catch(() => ({}))) as { errors?: { message?: string }[] };
  const identity = !(probe.status === 404 && probeBody.errors?.[0]?.message?.startsWith('no such endpoint'));
  const adminAuth = identity ? basicAuth('admin', ADMIN_PASSWORD) : null;
  return {
    berth,
    url,
    hostPort: `127.0.0.1:${port}`,
    dir,
    identity,
    adminAuth,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (adminAuth && !headers.has('authorization')) headers.set('authorization', adminAuth);
      return globalThis.fetch(`${url}${path}`, { ...init, headers });
    },
    async stop() {
      await berth.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A tar file holding one file of random bytes: a real, if useless, image layer. */
export async function randomLayerTar(work: string, name: string, size: number): Promise<Buffer> {
  const src = await mkdtemp(join(work, 'layer-'));
  await writeFile(join(src, name), randomBytes(size));
  const tar = join(work, `${name}.tar`);
  await exec('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', tar, '-C', src, name]);
  return readFile(tar);
}

let canUnshare: boolean | undefined;
const SYSTEM_CACHE = '/var/lib/containers/cache';

/**
 * Runs skopeo with its own home, auth file and blob-info cache, so it learns
 * nothing from other runs on this machine. As root the system cache folder is
 * replaced, in a private mount namespace, by ours.
 */
export async function skopeo(home: string, args: string[]): Promise<string> {
  const cache = join(home, 'cache');
  await mkdir(cache, { recursive: true });
  await mkdir(join(home, 'run'), { recursive: true });
  await mkdir(join(home, 'tmp'), { recursive: true });
  if (!existsSync(join(home, 'auth.json'))) await writeFile(join(home, 'auth.json'), '{"auths":{}}');
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'share'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    TMPDIR: join(home, 'tmp'),
  };
  const full = ['--insecure-policy', '--tmpdir', join(home, 'tmp'), ...args];
  canUnshare ??=
    process.getuid?.() === 0 && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
  const [cmd, argv] = canUnshare
    ? [
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mkdir -p ${SYSTEM_CACHE} && mount --bind "$0" ${SYSTEM_CACHE} && exec skopeo "$@"`,
          cache,
          ...full,
        ],
      ]
    : ['skopeo', full];
  try {
    const { stdout } = await exec(cmd, argv as string[], { env, timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`skopeo ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Debian's Chromium, headless, with a fresh profile folder. Never a downloaded browser. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  await mkdir(profileDir, { recursive: true });
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Pushes blobs and a manifest over HTTP (for what skopeo cannot build from a layout: referrers, indexes). */
export async function pushOverHttp(
  server: RunningBerth,
  repository: string,
  reference: string,
  manifest: Buffer,
  mediaType: string,
  blobs: Buffer[],
): Promise<void> {
  for (const blob of blobs) {
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const res = await server.fetch(`/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(blob),
    });
    if (res.status !== 201) throw new Error(`blob upload: ${res.status} ${await res.text()}`);
  }
  const res = await server.fetch(`/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: new Uint8Array(manifest),
  });
  if (res.status !== 201) throw new Error(`manifest push: ${res.status} ${await res.text()}`);
}
