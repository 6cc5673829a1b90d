/**
 * Issue 14: a full or read-only storage answers a clear OCI error (507/503),
 * leaves nothing half-written, shows in /api/v2.0/health and /readyz, and
 * pushes work again once space is freed; at start, an unusable folder or a
 * port in use is a clear error before anything is created.
 * Needs root to mount a small tmpfs (skipped otherwise).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/server/config.ts';
import { openDoor } from '../../src/server/door.ts';
import { preflight } from '../../src/server/preflight.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('storage faults', () => {
  let mnt = '';
  let mounted = false;
  let b: RunningBerth;
  before(async () => {
    mnt = await mkdtemp(join(tmpdir(), 'berth-smallfs-'));
    mounted = tryMount(mnt, '12m');
    if (mounted) b = await startInProcess({ env: { BERTH_STORAGE_ROOT: mnt } });
  });
  after(async () => {
    await b?.stop();
    if (mounted) execFileSync('umount', ['-l', mnt]);
    await rm(mnt, { recursive: true, force: true });
  });

  const push = (repo: string, data: Buffer) =>
    fetch(`${b.url}/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, { method: 'POST', body: new Uint8Array(data) });
  const leftovers = async () => [
    ...(await readdir(join(mnt, 'uploads')).catch(() => [])),
    ...(await readdir(join(mnt, 'tmp')).catch(() => [])),
  ];

  it('a full disk: 507 with a message, nothing half-written, unhealthy; pushes work again once space is freed', async (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here (needs root)');
    assert.equal((await push('team/app', randomBytes(1024 * 1024))).status, 201);
    const filler = join(mnt, 'filler');
    await writeFile(filler, Buffer.alloc(20 * 1024 * 1024)).catch(() => {});
    const res = await push('team/app', randomBytes(3 * 1024 * 1024));
    assert.equal(res.status, 507, await res.clone().text());
    const body = await res.json();
    assert.equal(body.errors[0].code, 'UNAVAILABLE');
    assert.match(body.errors[0].message, /storage is full/);
    assert.deepEqual(await leftovers(), []);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [], x: 'y'.repeat(2_000_000) }));
    const put = await fetch(`${b.url}/v2/team/app/manifests/big`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: new Uint8Array(manifest),
    });
    assert.ok(put.status >= 400 && put.status !== 500, `manifest put: ${put.status}`);
    assert.deepEqual(await leftovers(), []);
    const health = await fetch(`${b.url}/api/v2.0/health`);
    assert.equal(health.status, 503);
    const components = (await health.json()).components as { name: string; status: string }[];
    assert.equal(components.find((c) => c.name === 'storage')?.status, 'unhealthy');
    assert.equal((await fetch(`${b.url}/readyz`)).status, 503);
    assert.equal((await fetch(`${b.url}/livez`)).status, 200);

    await rm(filler);
    assert.equal((await push('team/app', randomBytes(3 * 1024 * 1024))).status, 201);
    assert.equal((await fetch(`${b.url}/api/v2.0/health`)).status, 200);
    assert.equal((await fetch(`${b.url}/readyz`)).status, 200);
  });

  it('a read-only storage: 503 with a message, unhealthy, and a clear error at start', async (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here (needs root)');
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const res = await push('team/app', randomBytes(1000));
      assert.equal(res.status, 503);
      assert.match((await res.json()).errors[0].message, /cannot be written/);
      assert.equal((await fetch(`${b.url}/api/v2.0/health`)).status, 503);
      const data = await mkdtemp(join(tmpdir(), 'berth-ro-start-'));
      try {
        const config = loadConfig({ env: { BERTH_DATA: data, BERTH_STORAGE_ROOT: mnt, BERTH_PORT: '0' } });
        await assert.rejects(preflight(config), new RegExp(`storage folder ${mnt}.* cannot be used|${mnt}`));
      } finally {
        await rm(data, { recursive: true, force: true });
      }
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});

describe('a full disk under the database too', () => {
  it('pushes and API writes answer 507/503, never 500, and work again once space is freed', async (t) => {
    const mnt = await mkdtemp(join(tmpdir(), 'berth-smalldata-'));
    if (!tryMount(mnt, '24m')) {
      await rm(mnt, { recursive: true, force: true });
      return t.skip('cannot mount a tmpfs here (needs root)');
    }
    const b = await startInProcess({ dataDir: mnt });
    try {
      const filler = join(mnt, 'filler');
      await writeFile(filler, Buffer.alloc(64 * 1024 * 1024)).catch(() => {});
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const data = randomBytes(256 * 1024);
        const res = await fetch(`${b.url}/v2/team/app${i}/blobs/uploads/?digest=${sha(data)}`, {
          method: 'POST',
          body: new Uint8Array(data),
        });
        statuses.push(res.status);
        const tag = await fetch(`${b.url}/v2/team/app${i}/manifests/v${i}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          body: JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            layers: [],
          }),
        });
        statuses.push(tag.status);
      }
      assert.ok(
        statuses.every((s) => s < 500 || s === 507 || s === 503),
        statuses.join(','),
      );
      assert.ok(
        statuses.some((s) => s === 507),
        statuses.join(','),
      );
      await rm(filler);
      const data = randomBytes(1000);
      const res = await fetch(`${b.url}/v2/team/again/blobs/uploads/?digest=${sha(data)}`, {
        method: 'POST',
        body: new Uint8Array(data),
      });
      assert.equal(res.status, 201);
    } finally {
      await b.stop();
      execFileSync('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });
});

describe('start-up checks', () => {
  it('a port in use fails before anything is created', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    const parent = await mkdtemp(join(tmpdir(), 'berth-port-'));
    const data = join(parent, 'data');
    try {
      const config = loadConfig({ env: { BERTH_DATA: data, BERTH_HOST: '127.0.0.1', BERTH_PORT: String(port) } });
      await assert.rejects(openDoor(config), new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      assert.equal(existsSync(data), false, 'nothing was created');
    } finally {
      holder.close();
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('a data folder that is a file is a clear error naming it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'berth-datafile-'));
    const data = join(parent, 'not-a-folder');
    await writeFile(data, 'x');
    try {
      const config = loadConfig({ env: { BERTH_DATA: data, BERTH_PORT: '0' } });
      await assert.rejects(preflight(config), new RegExp(`data folder ${data} cannot be used`));
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('the console never answers server paths', () => {
  let b: RunningBerth;
  before(async () => {
    b = await startInProcess();
  });
  after(async () => b.stop());

  it('health, metrics, API and /v2 paths that do not exist get a JSON 404', async () => {
    for (const path of [
      '/api',
      '/api/nope',
      '/api/v2.0/nope',
      '/metrics/x',
      '/healthz',
      '/livez/x',
      '/readyz/y',
      '/health',
      '/service/x',
    ]) {
      const res = await fetch(`${b.url}${path}`);
      if (res.status === 200 && ['/livez', '/readyz'].includes(path)) continue;
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /json/, path);
    }
    assert.equal(await (await fetch(`${b.url}/livez`)).text(), 'ok\n');
    assert.equal(await (await fetch(`${b.url}/readyz`)).text(), 'ok\n');
  });
});
