/**
 * Single flight across nodes: two Berth nodes on one PostgreSQL database and
 * one storage folder, a proxy project on an upstream that counts blob
 * fetches and sends slowly. Pulls of the same uncached blob through both
 * nodes at once make one upstream fetch: the second node waits for the
 * first node's fill (its lease in the database) and serves the stored blob.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { createProject, createRegistry } from './support.ts';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A one-image registry that counts blob GETs and sends blobs in 64 KiB pieces, 20 ms apart. */
function countingUpstream(blobs: Buffer[]) {
  const byDigest = new Map(blobs.map((b) => [digestOf(b), b]));
  const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digestOf(l),
        size: l.length,
      })),
    }),
  );
  const blobGets = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/v2/') return res.writeHead(200).end('{}');
    const m = /^\/v2\/.+\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (m?.[1] === 'manifests') {
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': digestOf(manifest),
        'content-length': manifest.length,
      });
      return res.end(req.method === 'HEAD' ? undefined : manifest);
    }
    const blob = m?.[1] === 'blobs' ? byDigest.get(m[2] ?? '') : undefined;
    if (!blob) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': m?.[2] });
    if (req.method === 'HEAD') return res.end();
    blobGets.set(m?.[2] ?? '', (blobGets.get(m?.[2] ?? '') ?? 0) + 1);
    for (let at = 0; at < blob.length; at += 64 * 1024) {
      if (res.destroyed) return;
      res.write(blob.subarray(at, at + 64 * 1024));
      await new Promise((r) => setTimeout(r, 20));
    }
    res.end();
  });
  return {
    blobGets,
    url: async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let db: { url: string; drop(): Promise<void> };
let work: string;
let a: RunningBerth;
let b: RunningBerth;
const layer = randomBytes(4 * 1024 * 1024 + 5);
const upstream = countingUpstream([randomBytes(300), layer]);

before(async () => {
  db = await createTestDatabase();
  work = await mkdtemp(join(tmpdir(), 'berth-proxy-nodes-'));
  const env = {
    BERTH_DATABASE_DRIVER: 'postgres',
    BERTH_DATABASE_URL: db.url,
    BERTH_STORAGE_ROOT: join(work, 'shared-storage'),
    BERTH_OUTBOUND_ALLOW: '127.0.0.0/8',
  };
  const url = await upstream.url();
  a = await startInProcess({ env });
  await createProject(a, { project_name: 'hub', registry_id: await createRegistry(a, { name: 'up', url }) });
  // Started after the project exists (a node reads the proxy settings at start, then every 30 s).
  b = await startInProcess({ env });
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await upstream.close();
  await db?.drop();
  await rm(work, { recursive: true, force: true });
});

test('two nodes pulling one uncached blob at once make one upstream fetch; both get every byte', async () => {
  const path = `/v2/hub/library/app/blobs/${digestOf(layer)}`;
  const fromA = fetch(`${a.url}${path}`);
  // Node A is fetching (and holds the lease) when node B is asked.
  await new Promise((r) => setTimeout(r, 300));
  const fromB = fetch(`${b.url}${path}`);
  const [resA, resB] = await Promise.all([fromA, fromB]);
  assert.equal(resA.status, 200);
  assert.equal(resB.status, 200);
  const [bytesA, bytesB] = await Promise.all([resA.arrayBuffer(), resB.arrayBuffer()]);
  assert.ok(Buffer.from(bytesA).equals(layer), 'node A streamed the whole blob');
  assert.ok(Buffer.from(bytesB).equals(layer), 'node B served the whole blob');
  assert.equal(upstream.blobGets.get(digestOf(layer)), 1, 'one upstream fetch for both nodes');
  // Both repositories link it: a later pull through either node is a hit.
  const again = await fetch(`${b.url}${path}`, { method: 'HEAD' });
  assert.equal(again.status, 200);
  assert.equal(upstream.blobGets.get(digestOf(layer)), 1);
});
