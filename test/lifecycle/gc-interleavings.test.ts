/**
 * The interleavings the racing test may or may not hit, staged step by step
 * with the collector's own store calls: a manifest naming a blob a run took
 * after the client's HEAD is refused (never stored broken), and an upload of a
 * blob whose bytes a run is deleting waits, then stores them again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { blobKey } from '../../src/core/digest.ts';
import { fsck } from '../../src/features/fsck/fsck.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../support/oci.ts';

let server: RunningBerth;
let client: RegistryClient;
before(async () => {
  server = await startInProcess();
  client = new RegistryClient(server.url);
});
after(async () => server?.stop());

const future = () => new Date(Date.now() + 60_000).toISOString();

test('a manifest naming a blob collected after the HEAD is refused with MANIFEST_BLOB_UNKNOWN', async () => {
  const store = server.berth.lifecycle.gc.store;
  const config = configBlob();
  const layer = randomBlob(800);
  await client.pushBlobs('inter/a', config, layer);
  assert.equal((await client.head(`/v2/inter/a/blobs/${layer.digest}`)).status, 200); // the client skips the upload
  // A run (cutoff in the future: the links are old to it) takes the layer now.
  await store.tombstone(1, [{ digest: layer.digest, size: layer.bytes.length }]);
  const gone = await store.forgetUnreferenced([layer.digest], future());
  assert.equal(gone.length, 1);
  await server.berth.registry.storage.delete(blobKey(layer.digest));
  await store.clearTombstones([layer.digest]);
  const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
  const res = await client.putManifest('inter/a', 'v1', m);
  assert.equal(res.status, 400, res.text);
  assert.match(res.text, /MANIFEST_BLOB_UNKNOWN/);
  await client.pushBlob('inter/a', layer);
  await client.pushManifest('inter/a', 'v1', m);
  assert.equal((await client.get(`/v2/inter/a/blobs/${layer.digest}`)).status, 200);
});

test('a blob linked after the run marked it keeps it (sweep-time check)', async () => {
  const store = server.berth.lifecycle.gc.store;
  const layer = randomBlob(600);
  await client.pushBlob('inter/b', layer);
  const cutoff = new Date(Date.now() + 1).toISOString();
  await new Promise((r) => setTimeout(r, 5));
  await store.tombstone(2, [{ digest: layer.digest, size: layer.bytes.length }]);
  // Mounted into another repository between the mark and the sweep.
  const mount = client.request('POST', `/v2/inter/c/blobs/uploads/?mount=${layer.digest}&from=inter/b`);
  await new Promise((r) => setTimeout(r, 100)); // the mount links, then waits on the tombstone
  const gone = await store.forgetUnreferenced([layer.digest], cutoff);
  assert.equal(gone.length, 0, 'the fresh link must keep the blob');
  assert.equal((await mount).status, 201);
  assert.equal((await client.get(`/v2/inter/c/blobs/${layer.digest}`)).status, 200);
});

test('an upload of a blob whose bytes are being deleted waits, then stores them again', async () => {
  const store = server.berth.lifecycle.gc.store;
  const layer = randomBlob(900);
  await client.pushBlob('inter/d', layer);
  await store.tombstone(3, [{ digest: layer.digest, size: layer.bytes.length }]);
  assert.equal((await store.forgetUnreferenced([layer.digest], future())).length, 1);
  // The run has forgotten the blob but not yet deleted its bytes: an upload of the same bytes arrives.
  let finished = false;
  const upload = client.pushBlob('inter/e', layer).then(() => {
    finished = true;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(finished, false, 'the upload must wait for the deletion');
  await server.berth.registry.storage.delete(blobKey(layer.digest));
  await store.clearTombstones([layer.digest]);
  await upload;
  const got = await client.get(`/v2/inter/e/blobs/${layer.digest}`);
  assert.equal(got.status, 200);
  assert.ok(got.body.equals(layer.bytes));
  const report = await fsck(server.berth.registry.storage, server.berth.registry.metadata);
  assert.deepEqual(report.problems, []);
});

test('a run that crashed after forgetting blobs is finished by the next one', async () => {
  const store = server.berth.lifecycle.gc.store;
  const layer = randomBlob(700);
  await client.pushBlob('inter/f', layer);
  await store.tombstone(4, [{ digest: layer.digest, size: layer.bytes.length }]);
  await store.forgetUnreferenced([layer.digest], future());
  // crash here: bytes still stored, tombstone marked deleted
  assert.ok(await server.berth.registry.storage.stat(blobKey(layer.digest)));
  const { gc } = server.berth.lifecycle;
  const run = await gc.start('Manual', { dryRun: false, deleteUntagged: false, workers: 1, timeWindowHours: 2 });
  await gc.drain();
  assert.equal((await gc.store.run(run.id))?.status, 'Success');
  assert.equal(await server.berth.registry.storage.stat(blobKey(layer.digest)), null);
  assert.deepEqual(await store.leftoverTombstones(), []);
  assert.match((await store.log(run.id)) ?? '', /resumed: finished 1 blob deletions/);
});
