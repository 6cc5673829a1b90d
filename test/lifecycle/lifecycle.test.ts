/**
 * Storage lifecycle through the API and /v2, in process, on SQLite and (when
 * BERTH_TEST_PG is not "off") PostgreSQL: GC (dry run, real, 409, bad input),
 * quotas (403 with nothing stored), immutable rules (412 via /v2 and API),
 * tag history and rollback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
  withQuery,
} from '../support/oci.ts';
import { createTestDatabase } from '../support/postgres.ts';

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(`/api/v2.0${path}`, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers vary by endpoint
  return { status: res.status, headers: res.headers, text, json: json as any };
}

async function waitRun(base: string, id: number) {
  for (let i = 0; i < 200; i++) {
    const r = await api(base, 'GET', `/system/gc/${id}`);
    if (!['Pending', 'Running'].includes(r.json.job_status)) return r.json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gc run did not finish');
}

async function runGc(base: string, parameters: Record<string, unknown>) {
  const r = await api(base, 'POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters });
  assert.equal(r.status, 201, r.text);
  const id = Number(r.headers.get('location')?.split('/').pop());
  return waitRun(base, id);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`storage lifecycle (${dialect})`, () => {
    let server: RunningBerth;
    let client: RegistryClient;
    let drop: (() => Promise<void>) | undefined;
    before(async () => {
      let env: NodeJS.ProcessEnv = {};
      if (dialect === 'postgres') {
        const db = await createTestDatabase();
        drop = db.drop;
        env = { BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url };
      }
      server = await startInProcess({ env });
      client = new RegistryClient(server.url);
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'lib' })).status, 201);
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    test('GC: dry run names eligible blobs, real run frees them, tagged images still pull', async () => {
      const kept = await client.pushImage('lib/app', 'v1');
      const gone = await client.pushImage('lib/app', 'v2');
      assert.equal((await client.delete(`/v2/lib/app/manifests/${gone.manifest.digest}`)).status, 202);
      const dry = await runGc(server.url, { dry_run: true, time_window: 0 });
      assert.equal(dry.job_status, 'Success');
      const log = (await api(server.url, 'GET', `/system/gc/${dry.id}/log`)).text;
      for (const b of gone.blobs.slice(1)) assert.match(log, new RegExp(`eligible blob ${b.digest}`));
      assert.equal((await client.head(`/v2/lib/app/blobs/${gone.blobs[1].digest}`)).status, 200, 'dry run deleted');
      const real = await runGc(server.url, { time_window: 0 });
      assert.equal(real.job_status, 'Success');
      assert.ok(real.blobs_deleted >= 2, JSON.stringify(real));
      assert.equal((await client.head(`/v2/lib/app/blobs/${gone.blobs[1].digest}`)).status, 404);
      for (const b of kept.blobs) {
        const got = await client.get(`/v2/lib/app/blobs/${b.digest}`);
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, b.bytes);
      }
      const list = await api(server.url, 'GET', '/system/gc?page=1&page_size=10');
      assert.equal(list.status, 200);
      assert.ok(Number(list.headers.get('x-total-count')) >= 2);
      assert.equal(list.json[0].job_name, 'GARBAGE_COLLECTION');
    });

    test('GC: grace window keeps young blobs; bad input is 400 naming the field', async () => {
      const img = await client.pushImage('lib/young', 'v1');
      await client.delete(`/v2/lib/young/manifests/${img.manifest.digest}`);
      await runGc(server.url, { time_window: 2 });
      assert.equal((await client.head(`/v2/lib/young/blobs/${img.blobs[1].digest}`)).status, 200);
      const bad = await api(server.url, 'POST', '/system/gc/schedule', {
        schedule: { type: 'Custom', cron: '0 61 * * * *' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].field, 'schedule.cron');
      const neg = await api(server.url, 'POST', '/system/gc/schedule', {
        schedule: { type: 'Manual' },
        parameters: { time_window: -1 },
      });
      assert.equal(neg.status, 400);
      assert.match(neg.text, /time_window/);
      const ok = await api(server.url, 'PUT', '/system/gc/schedule', { schedule: { type: 'Daily' } });
      assert.equal(ok.status, 200, ok.text);
      const s = await api(server.url, 'GET', '/system/gc/schedule');
      assert.equal(s.json.schedule.cron, '0 0 0 * * *');
      assert.ok(s.json.schedule.next_scheduled_time);
    });

    test('GC: a second run while one is pending is refused with 409', async () => {
      const store = server.berth.lifecycle.gc.store;
      const run = await store.createRun('Manual', {
        deleteUntagged: false,
        dryRun: true,
        workers: 1,
        timeWindowHours: 2,
      });
      assert.ok(run);
      const second = await api(server.url, 'POST', '/system/gc/schedule', { schedule: { type: 'Manual' } });
      assert.equal(second.status, 409);
      await store.setStatus(run.id, 'Stopped');
    });

    test('GC with delete_untagged keeps the last history entries (rollback targets)', async () => {
      const a = await client.pushImage('lib/hist', 'latest');
      const b = await client.pushImage('lib/hist', 'latest');
      const orphan = await client.pushImage('lib/hist', 'tmp');
      await client.delete(`/v2/lib/hist/manifests/tmp`);
      // An untagged manifest with no history (pushed by digest) goes.
      const c = configBlob();
      const layer = randomBlob(300);
      await client.pushBlobs('lib/hist', c, layer);
      const byDigest = imageManifest({
        config: descriptor(c, OCI_CONFIG),
        layers: [descriptor(layer, OCI_LAYER_GZIP)],
      });
      await client.pushManifest('lib/hist', byDigest.digest, byDigest);
      const run = await runGc(server.url, { delete_untagged: true, time_window: 0 });
      assert.equal(run.job_status, 'Success');
      assert.equal((await client.head(`/v2/lib/hist/manifests/${byDigest.digest}`)).status, 404);
      assert.equal((await client.head(`/v2/lib/hist/manifests/${a.manifest.digest}`)).status, 200, 'history kept');
      assert.equal((await client.head(`/v2/lib/hist/manifests/${orphan.manifest.digest}`)).status, 200);
      assert.equal((await client.head(`/v2/lib/hist/manifests/${b.manifest.digest}`)).status, 200);
    });

    test('quota: over the limit is 403 DENIED naming quota, limit, usage and size; nothing stored', async () => {
      assert.equal(
        (await api(server.url, 'POST', '/projects', { project_name: 'small', storage_limit: 2000 })).status,
        201,
      );
      const bad = await api(server.url, 'POST', '/projects', { project_name: 'neg', storage_limit: -5 });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].field, 'storage_limit');
      const blob = randomBlob(1500);
      await client.pushBlob('small/x', blob);
      const big = randomBlob(1000);
      const start = await client.request('POST', '/v2/small/x/blobs/uploads/');
      const put = await client.request('PUT', withQuery(start.headers.get('location')!, { digest: big.digest }), {
        headers: { 'content-type': 'application/octet-stream' },
        body: big.bytes,
      });
      assert.equal(put.status, 403, put.text);
      assert.match(put.text, /quota/);
      assert.match(put.text, /2000/);
      assert.match(put.text, /1500/);
      assert.match(put.text, /1000/);
      assert.equal((await client.head(`/v2/small/x/blobs/${big.digest}`)).status, 404);
      // The same blob again in another repository of the project costs nothing.
      const mount = await client.request('POST', `/v2/small/y/blobs/uploads/?mount=${blob.digest}&from=small/x`);
      assert.equal(mount.status, 201);
      const quotas = await api(server.url, 'GET', '/quotas?reference=project');
      const q = quotas.json.find((x: { ref: { name: string } }) => x.ref.name === 'small');
      assert.equal(q.hard.storage, 2000);
      assert.equal(q.used.storage, 1500);
      const put2 = await api(server.url, 'PUT', `/quotas/${q.id}`, { hard: { storage: -2 } });
      assert.equal(put2.status, 400);
      assert.equal((await api(server.url, 'PUT', `/quotas/${q.id}`, { hard: { storage: -1 } })).status, 200);
      await client.pushBlob('small/x', big);
    });

    test('usage: logical bytes against physical with shared layers', async () => {
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'dd' })).status, 201);
      const img = await client.pushImage('dd/one', 'a');
      await client.pushManifest('dd/one', 'b', img.manifest);
      const size = img.manifest.bytes.length + img.blobs.reduce((s, b) => s + b.bytes.length, 0);
      const quotas = await api(server.url, 'GET', '/quotas?page_size=100');
      const q = quotas.json.find((x: { ref: { name: string } }) => x.ref.name === 'dd');
      assert.deepEqual(q.usage, { logical: 2 * size, physical: size });
      const all = await api(server.url, 'GET', '/storage/usage');
      assert.ok(all.json.logical >= q.usage.logical);
    });

    test('immutable rules: moving or deleting a protected tag is 412 via /v2 and API; bad pattern 400', async () => {
      const img = await client.pushImage('lib/frozen', 'v1.0');
      const bad = await api(server.url, 'POST', '/projects/lib/immutabletagrules', {
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v{1' }],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].field, 'tag_selectors[0].pattern');
      const missing = await api(server.url, 'POST', '/projects/nope/immutabletagrules', {
        tag_selectors: [{ pattern: 'v*' }],
      });
      assert.equal(missing.status, 404);
      const made = await api(server.url, 'POST', '/projects/lib/immutabletagrules', {
        disabled: false,
        action: 'immutable',
        template: 'immutable_template',
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: 'frozen' }] },
      });
      assert.equal(made.status, 201, made.text);
      const ruleId = Number(made.headers.get('location')?.split('/').pop());
      const other = await client.pushImage('lib/frozen', 'tmp');
      const move = await client.putManifest('lib/frozen', 'v1.0', other.manifest);
      assert.equal(move.status, 412, move.text);
      assert.match(move.text, /immutable/);
      assert.match(move.text, new RegExp(`rule ${ruleId}`));
      assert.equal((await client.delete('/v2/lib/frozen/manifests/v1.0')).status, 412);
      assert.equal((await client.delete(`/v2/lib/frozen/manifests/${img.manifest.digest}`)).status, 412);
      const apiDel = await api(server.url, 'DELETE', '/projects/lib/repositories/frozen/artifacts/v1.0/tags/v1.0');
      assert.equal(apiDel.status, 412, apiDel.text);
      const rollback = await api(server.url, 'POST', '/projects/lib/repositories/frozen/tags/v1.0/rollback', {
        digest: other.manifest.digest,
      });
      assert.equal(rollback.status, 412);
      const list = await api(server.url, 'GET', '/projects/lib/immutabletagrules');
      assert.equal(list.json[0].tag_selectors[0].pattern, 'v*');
      assert.equal((await api(server.url, 'DELETE', `/projects/lib/immutabletagrules/${ruleId}`)).status, 200);
      assert.equal((await client.putManifest('lib/frozen', 'v1.0', other.manifest)).status, 201);
    });

    test('tag history and rollback', async () => {
      const one = await client.pushImage('lib/roll', 'prod');
      const two = await client.pushImage('lib/roll', 'prod');
      const h = await api(server.url, 'GET', '/projects/lib/repositories/roll/tags/prod/history');
      assert.equal(h.status, 200);
      assert.deepEqual(
        h.json.map((e: { operation: string; digest: string }) => [e.operation, e.digest]),
        [
          ['move', two.manifest.digest],
          ['push', one.manifest.digest],
        ],
      );
      const r = await api(server.url, 'POST', '/projects/lib/repositories/roll/tags/prod/rollback', {
        digest: one.manifest.digest,
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.operation, 'rollback');
      const now = await client.get('/v2/lib/roll/manifests/prod', { accept: one.manifest.mediaType });
      assert.equal(now.headers.get('docker-content-digest'), one.manifest.digest);
      assert.equal((await client.delete('/v2/lib/roll/manifests/prod')).status, 202);
      const h2 = await api(server.url, 'GET', '/projects/lib/repositories/roll/tags/prod/history');
      assert.deepEqual(
        h2.json.map((e: { operation: string }) => e.operation),
        ['delete', 'rollback', 'move', 'push'],
      );
      const bad = await api(server.url, 'POST', '/projects/lib/repositories/roll/tags/prod/rollback', {
        digest: 'nope',
      });
      assert.equal(bad.status, 400);
      const gone = await api(server.url, 'POST', '/projects/lib/repositories/roll/tags/prod/rollback', {
        digest: `sha256:${'0'.repeat(64)}`,
      });
      assert.equal(gone.status, 404);
    });
  });
}
