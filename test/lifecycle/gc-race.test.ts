/**
 * GC racing pushes and mounts, on the filesystem and on S3 (Ceph RGW, when
 * S3_ENDPOINT is set): garbage is made and aged past the grace window, then
 * runs sweep back to back while clients push images that reuse garbage layers
 * the way docker does (HEAD, skip when present; else mount; else upload) and
 * mount garbage blobs into new repositories. Afterwards fsck finds no problem
 * and every tagged image pulls byte for byte. A garbage layer the client saw
 * (HEAD) and a run then took makes the manifest push fail with
 * MANIFEST_BLOB_UNKNOWN and the client uploads again, as after any error;
 * what must never happen is a manifest accepted whose blob is gone.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { fsck } from '../../src/features/fsck/fsck.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  type Blob,
  configBlob,
  descriptor,
  imageManifest,
  type ManifestDoc,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../support/oci.ts';

interface Pushed {
  repo: string;
  tag: string;
  manifest: ManifestDoc;
  blobs: Blob[];
}

/** Pushes like docker: a blob the repository has is skipped; a blob elsewhere is mounted; else uploaded. */
async function dockerPush(client: RegistryClient, repo: string, tag: string, blobs: Blob[], from: string) {
  const manifest = imageManifest({
    config: descriptor(blobs[0], OCI_CONFIG),
    layers: blobs.slice(1).map((b) => descriptor(b, OCI_LAYER_GZIP)),
  });
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    for (const b of blobs) {
      if ((await client.head(`/v2/${repo}/blobs/${b.digest}`)).status === 200) continue;
      const mount = await client.request('POST', `/v2/${repo}/blobs/uploads/?mount=${b.digest}&from=${from}`);
      if (mount.status === 201) continue;
      await client.pushBlob(repo, b);
    }
    const res = await client.putManifest(repo, tag, manifest);
    if (res.status === 201) return manifest;
    // A run took a layer between the HEAD and the manifest: the registry says so and the client uploads again.
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /MANIFEST_BLOB_UNKNOWN/);
    last = res.text;
  }
  throw new Error(`push of ${repo}:${tag} kept failing: ${last}`);
}

/** Makes everything stored so far older than the grace window (as hours of waiting would). */
async function age(server: RunningBerth) {
  const { db } = server.berth.registry.metadata as KyselyStore;
  const old = '2000-01-01T00:00:00.000Z';
  for (const table of ['blobs', 'repository_blobs', 'manifests'] as const)
    await sql`UPDATE ${sql.table(table)} SET created_at = ${old}`.execute(db);
}

async function gcNow(server: RunningBerth) {
  const { gc } = server.berth.lifecycle;
  const run = await gc.start('Manual', { dryRun: false, deleteUntagged: true, workers: 4, timeWindowHours: 1 });
  const runs = await gc.drain();
  const done = runs.find((r) => r.id === run.id) ?? (await gc.store.run(run.id));
  assert.equal(done?.status, 'Success', JSON.stringify(done));
  return done;
}

function s3Env(): NodeJS.ProcessEnv | null {
  if (!process.env.S3_ENDPOINT) return null;
  return {
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_S3_ENDPOINT: process.env.S3_ENDPOINT,
    BERTH_S3_ACCESS_KEY: process.env.S3_ACCESS_KEY,
    BERTH_S3_SECRET_KEY: process.env.S3_SECRET_KEY,
    BERTH_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
    BERTH_S3_BUCKET: process.env.S3_BUCKET ?? 'berth-test',
    BERTH_S3_PREFIX: `gc-race-${Date.now()}-${process.pid}/`,
  };
}

for (const driver of ['fs', 's3'] as const) {
  const env = driver === 's3' ? s3Env() : {};
  describe(`GC racing pushes and mounts (${driver})`, { skip: env === null ? 'S3_ENDPOINT not set' : false }, () => {
    let server: RunningBerth;
    after(async () => server?.stop());

    test('no tagged image loses a blob; fsck is clean', async () => {
      server = await startInProcess({ env: env ?? {} });
      const client = new RegistryClient(server.url);
      const live: Pushed[] = [];
      for (let round = 0; round < 4; round++) {
        // Garbage: images pushed then deleted; their layers are what the racing pushes reuse.
        const garbage: Blob[][] = [];
        for (let i = 0; i < 6; i++) {
          const blobs = [configBlob(), randomBlob(700), randomBlob(900), randomBlob(300)];
          const m = await dockerPush(client, `race/old${round}`, `g${i}`, blobs, 'race/none');
          assert.equal((await client.delete(`/v2/race/old${round}/manifests/${m.digest}`)).status, 202);
          garbage.push(blobs);
        }
        await age(server);
        let pushing = true;
        const pushes = (async () => {
          for (let i = 0; i < 6; i++) {
            // Reuse a garbage layer in place (HEAD says present), mount one into a new repository, add a fresh one.
            const inPlace = [configBlob(), garbage[i][1], randomBlob(500)];
            const mounted = [configBlob(), garbage[i][2], randomBlob(400)];
            const repoA = `race/old${round}`;
            const repoB = `race/new${round}-${i}`;
            const a = await dockerPush(client, repoA, `keep${i}`, inPlace, 'race/none');
            live.push({ repo: repoA, tag: `keep${i}`, manifest: a, blobs: inPlace });
            const b = await dockerPush(client, repoB, 'v1', mounted, repoA);
            live.push({ repo: repoB, tag: 'v1', manifest: b, blobs: mounted });
          }
        })().finally(() => {
          pushing = false;
        });
        // Runs back to back for as long as the pushes go on.
        const sweeps = (async () => {
          do {
            await gcNow(server);
            await new Promise((r) => setTimeout(r, 20));
          } while (pushing);
        })();
        await Promise.all([pushes, sweeps]);
      }
      await gcNow(server);

      for (const p of live) {
        const m = await client.get(`/v2/${p.repo}/manifests/${p.tag}`, { accept: p.manifest.mediaType });
        assert.equal(m.status, 200, `${p.repo}:${p.tag}`);
        assert.deepEqual(m.body, p.manifest.bytes);
        for (const b of p.blobs) {
          const got = await client.get(`/v2/${p.repo}/blobs/${b.digest}`);
          assert.equal(got.status, 200, `${p.repo}:${p.tag} ${b.digest}`);
          assert.ok(got.body.equals(b.bytes), `${p.repo}:${p.tag} ${b.digest} bytes differ`);
        }
      }
      const report = await fsck(server.berth.registry.storage, server.berth.registry.metadata);
      assert.deepEqual(report.problems, []);
      const runs = await server.berth.lifecycle.gc.store.listRuns(0, 100_000);
      const freed = runs.items.reduce((s, r) => s + r.blobsDeleted, 0);
      assert.ok(freed > 0, 'the runs freed nothing: the race was not exercised');
    });
  });
}
