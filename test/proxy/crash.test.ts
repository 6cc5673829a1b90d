/**
 * Berth killed (SIGKILL) while it tees a blob from a slow upstream to a
 * client: after a restart no part of that blob is visible (no stored object,
 * no spool file), and the next pull fetches it whole without waiting out
 * the dead process's fill lease.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { eventually } from './support.ts';

const blob = randomBytes(16 * 1024 * 1024);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
let upstream: Server;
let berth: RegistryServer;
let fetches = 0;

before(async () => {
  // Sends 1 MiB every 100 ms: a pull takes ~1.6 s, long enough to kill Berth in the middle.
  upstream = createServer((req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-length': 0 }).end();
    if (req.url?.endsWith(`/blobs/${digest}`)) {
      fetches++;
      res.writeHead(200, { 'content-length': blob.length });
      let at = 0;
      const tick = setInterval(() => {
        if (res.destroyed || at >= blob.length) return clearInterval(tick);
        res.write(blob.subarray(at, at + 1024 * 1024));
        at += 1024 * 1024;
        if (at >= blob.length) res.end();
      }, 100);
      return;
    }
    res.writeHead(404, { 'content-length': 0 }).end();
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  berth = await startServer({ kind: 'berth', env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8' } });
  const api = (path: string, body: unknown) =>
    fetch(`${berth.url}/api/v2.0${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const port = (upstream.address() as AddressInfo).port;
  assert.equal((await api('/registries', { name: 'slow', url: `http://127.0.0.1:${port}` })).status, 201);
  assert.equal((await api('/projects', { project_name: 'p', registry_id: 1 })).status, 201);
});

after(async () => {
  await berth?.cleanup();
  upstream?.close();
});

test('a kill during the tee leaves nothing visible; the next pull is whole', { timeout: 120_000 }, async () => {
  const res = await fetch(`${berth.url}/v2/p/lib/app/blobs/${digest}`);
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let received = 0;
  while (received < 4 * 1024 * 1024) {
    const { value, done } = await reader.read();
    if (done) break;
    received += value.length;
  }
  await berth.crash();
  await reader.cancel().catch(() => {});
  assert.ok(received < blob.length);

  const hex = digest.slice('sha256:'.length);
  assert.equal(existsSync(join(berth.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex)), false);
  await berth.restart();
  assert.deepEqual(readdirSync(join(berth.dataDir, 'proxy-spool')), [], 'spool emptied at start');
  const pulledAt = Date.now();
  const again = await fetch(`${berth.url}/v2/p/lib/app/blobs/${digest}`);
  assert.equal(again.status, 200);
  const body = Buffer.from(await again.arrayBuffer());
  // The killed process's fill lease (30 s) is ended at once, not waited out: the pull takes ~1.6 s.
  assert.ok(Date.now() - pulledAt < 15_000, `second pull took ${Date.now() - pulledAt} ms`);
  assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digest);
  assert.equal(fetches, 2);
  await eventually(
    async () => existsSync(join(berth.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex)),
    'the blob is stored',
  );
});
