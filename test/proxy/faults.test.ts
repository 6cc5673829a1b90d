/**
 * A hostile or broken upstream: wrong digests (manifest and blob), truncated
 * bodies, oversized manifests, a media type other than claimed, redirects to
 * other hosts (a refused metadata address; another host serving wrong bytes).
 * The client gets an error, nothing invalid is stored, the next pull retries.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  blobOf,
  configBlob,
  DOCKER_MANIFEST,
  descriptor,
  imageManifest,
  indexManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../support/oci.ts';
import { createProject, createRegistry, eventually } from './support.ts';

let berth: RunningBerth;
let fake: Server;
let other: Server;
const calls = new Map<string, number>();

const layer = blobOf(randomBytes(64 * 1024));
const config = configBlob();
const manifest = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
const index = indexManifest({ manifests: [descriptor(config, OCI_MANIFEST)] });

function listen(server: Server): Promise<number> {
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res((server.address() as AddressInfo).port)));
}

let otherPort = 0;
function upstream(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  calls.set(url, (calls.get(url) ?? 0) + 1);
  if (url === '/v2/') return void res.writeHead(200, { 'content-length': 0 }).end();
  const m = /^\/v2\/(\w+)\/(manifests|blobs)\/(.+)$/.exec(url);
  const [, repo, kind] = m ?? [];
  if (kind === 'manifests') {
    if (repo === 'wrongdigest')
      return void res
        .writeHead(200, {
          'content-type': OCI_MANIFEST,
          'docker-content-digest': config.digest,
          'content-length': manifest.size,
        })
        .end(manifest.bytes);
    if (repo === 'huge')
      return void res
        .writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': 5 * 1024 * 1024 })
        .end(Buffer.alloc(5 * 1024 * 1024, 32));
    if (repo === 'mediatype')
      // Claims an image manifest, sends an index.
      return void res
        .writeHead(200, {
          'content-type': DOCKER_MANIFEST,
          'docker-content-digest': index.digest,
          'content-length': index.size,
        })
        .end(index.bytes);
    return void res
      .writeHead(200, {
        'content-type': OCI_MANIFEST,
        'docker-content-digest': manifest.digest,
        'content-length': manifest.size,
      })
      .end(manifest.bytes);
  }
  if (kind === 'blobs') {
    if (repo === 'truncated') {
      res.writeHead(200, { 'content-length': layer.size });
      res.write(layer.bytes.subarray(0, layer.size / 2));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (repo === 'wrongblob')
      return void res.writeHead(200, { 'content-length': layer.size }).end(randomBytes(layer.size));
    if (repo === 'metadata')
      return void res
        .writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/', 'content-length': 0 })
        .end();
    if (repo === 'good' && url.endsWith(layer.digest))
      return void res.writeHead(200, { 'content-length': layer.size }).end(layer.bytes);
    if (repo === 'elsewhere')
      return void res.writeHead(307, { location: `http://localhost:${otherPort}/bytes`, 'content-length': 0 }).end();
  }
  res.writeHead(404, { 'content-length': 0 }).end();
}

before(async () => {
  fake = createServer(upstream);
  other = createServer((_req, res) =>
    res.writeHead(200, { 'content-length': layer.size }).end(randomBytes(layer.size)),
  );
  const port = await listen(fake);
  otherPort = await listen(other);
  berth = await startInProcess({ env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' } });
  const id = await createRegistry(berth, { name: 'fake', url: `http://127.0.0.1:${port}` });
  await createProject(berth, { project_name: 'bad', registry_id: id });
});

after(async () => {
  await berth?.stop();
  fake?.close();
  other?.close();
});

const get = (path: string) => fetch(`${berth.url}/v2/${path}`);
const md = () => berth.berth.registry.metadata;

async function drain(res: Response): Promise<{ ok: boolean; size: number }> {
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) size += chunk.length;
    return { ok: true, size };
  } catch {
    return { ok: false, size };
  }
}

test('a manifest whose digest is not the one announced is refused and not stored', async () => {
  const res = await get('bad/wrongdigest/manifests/v1');
  assert.equal(res.status, 502);
  assert.match((await res.json()).errors[0].message, /digest/);
  assert.equal(await md().manifestByTag('bad/wrongdigest', 'v1'), null);
  assert.equal(await md().blobSize(manifest.digest), null);
  // Not remembered as a failure: the next pull asks again.
  await get('bad/wrongdigest/manifests/v1');
  assert.equal(calls.get('/v2/wrongdigest/manifests/v1'), 2);
});

test('an oversized manifest is refused', async () => {
  const res = await get('bad/huge/manifests/v1');
  assert.equal(res.status, 502);
  assert.match((await res.json()).errors[0].message, /larger than/);
  assert.equal(await md().manifestByTag('bad/huge', 'v1'), null);
});

test('a manifest of another media type than claimed is refused', async () => {
  const res = await get('bad/mediatype/manifests/v1');
  assert.equal(res.status, 502);
  assert.equal(await md().manifestByTag('bad/mediatype', 'v1'), null);
});

for (const [repo, what] of [
  ['truncated', 'a truncated blob'],
  ['wrongblob', 'a blob with the wrong bytes'],
  ['elsewhere', 'a redirect to another host serving wrong bytes'],
] as const) {
  test(`${what}: the client is cut off short, nothing is stored, the next pull retries`, async () => {
    const first = await get(`bad/${repo}/blobs/${layer.digest}`);
    const body = await drain(first);
    assert.ok(!body.ok || first.status === 502, `${repo}: ${first.status}, a complete body was sent`);
    assert.ok(body.size < layer.size);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await md().blobSize(layer.digest), null);
    assert.equal(await md().repositoryBlobSize(`bad/${repo}`, layer.digest), null);
    const second = await get(`bad/${repo}/blobs/${layer.digest}`);
    await drain(second);
    assert.equal(calls.get(`/v2/${repo}/blobs/${layer.digest}`), 2);
  });
}

test('a redirect to a metadata address is refused by the outbound rule', async () => {
  const res = await get(`bad/metadata/blobs/${layer.digest}`);
  assert.equal(res.status, 502);
  assert.match((await res.json()).errors[0].message, /refused/);
  assert.equal(await md().blobSize(layer.digest), null);
});

test('the good image still comes through whole', async () => {
  const res = await get('bad/good/manifests/v1');
  assert.equal(res.status, 200);
  const blob = await get(`bad/good/blobs/${layer.digest}`);
  assert.equal(blob.status, 200);
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(layer.bytes));
  await eventually(async () => (await md().repositoryBlobSize('bad/good', layer.digest)) === layer.size, 'stored');
});
