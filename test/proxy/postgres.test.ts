/** The proxy cache with PostgreSQL metadata: registry, proxy project, pull-through, cached pulls, stale serving. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { RegistryClient, repoName } from '../support/oci.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { apiOf, createProject, createRegistry } from './support.ts';

let db: { url: string; drop(): Promise<void> };
let berth: RunningBerth;
let distribution: RegistryServer;

before(async () => {
  db = await createTestDatabase();
  [berth, distribution] = await Promise.all([
    startInProcess({
      env: {
        BERTH_DATABASE_DRIVER: 'postgres',
        BERTH_DATABASE_URL: db.url,
        BERTH_OUTBOUND_ALLOW: '127.0.0.0/8',
        BERTH_PROXY_TAG_TTL: '0',
      },
    }),
    startServer({ kind: 'distribution' }),
  ]);
});

after(async () => {
  await Promise.all([berth?.stop(), distribution?.cleanup()]);
  await db?.drop();
});

test('pull through, then from the cache, then stale with the upstream stopped (PostgreSQL)', async () => {
  const id = await createRegistry(berth, { name: 'dist', url: distribution.url });
  await createProject(berth, { project_name: 'pg', registry_id: id });
  assert.equal((await (await apiOf(berth)('/projects/pg')).json()).registry_id, id);
  const repo = `library/${repoName('pg')}`;
  const { manifest, blobs } = await new RegistryClient(distribution.url).pushImage(repo, 'v1');
  const v2 = new RegistryClient(berth.url);
  assert.equal((await v2.get(`/v2/pg/${repo}/manifests/v1`)).headers.get('docker-content-digest'), manifest.digest);
  for (const b of blobs) assert.ok((await v2.get(`/v2/pg/${repo}/blobs/${b.digest}`)).body.equals(b.bytes));
  await distribution.stop();
  const stale = await v2.get(`/v2/pg/${repo}/manifests/v1`);
  assert.equal(stale.status, 200);
  for (const b of blobs) assert.ok((await v2.get(`/v2/pg/${repo}/blobs/${b.digest}`)).body.equals(b.bytes));
});
