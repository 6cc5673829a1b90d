/**
 * The browsing API (repositories, artifacts, tags, statistics, traffic)
 * against a real app on a temporary folder, with the database a test file
 * chooses (SQLite or PostgreSQL: the catalog's SQL must run on both).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { KyselyCatalog } from '../../src/adapters/metadata/kysely-catalog.ts';
import { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { type Berth, buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { type BuiltImage, buildImage, buildIndex, pushImage, pushManifest, sha256 } from '../helpers/images.ts';

let berth: Berth;
let dir: string;
let image: BuiltImage;
let arm: BuiltImage;
let indexDigest: string;
let sbomDigest: string;

const api = (url: string, init: { method?: 'GET' | 'POST' | 'DELETE'; payload?: unknown } = {}) =>
  berth.app.inject({
    method: init.method ?? 'GET',
    url: `/api/v2.0${url}`,
    ...(init.payload ? { payload: init.payload as object } : {}),
  });

export interface CatalogDatabase {
  /** BERTH_* settings choosing the database. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function catalogApiSuite(label: string, database: () => Promise<CatalogDatabase>): void {
  let db: CatalogDatabase;
  before(async () => {
    db = await database();
    dir = await mkdtemp(join(tmpdir(), 'berth-catalog-'));
    // Auth off (where the identity module exists): these tests are about the catalog, not about access.
    berth = await buildApp(
      loadConfig({ env: { BERTH_AUTH: 'off', BERTH_DATA: dir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', ...db.env } }),
      pino({ level: 'silent' }),
    );
    const app = berth.app;
    image = buildImage({ layerSizes: [1000, 2000], labels: { team: 'core' }, history: ['RUN make', 'COPY app /app'] });
    await pushImage(app, 'team/app', 'v1', image);
    arm = buildImage({ layerSizes: [300], architecture: 'arm64' });
    await pushImage(app, 'team/app', arm.digest, arm);
    const index = buildIndex([
      { image, architecture: 'amd64' },
      { image: arm, architecture: 'arm64' },
    ]);
    indexDigest = await pushManifest(app, 'team/app', 'multi', index, 'application/vnd.oci.image.index.v1+json');
    const sbom = buildImage({
      layerSizes: [50],
      artifactType: 'application/spdx+json',
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length },
    });
    sbomDigest = await pushImage(app, 'team/app', sbom.digest, sbom);
    await pushImage(app, 'team/web', 'latest', buildImage({ layerSizes: [10] }));
    await pushImage(app, 'other/db', 'v1', buildImage({ layerSizes: [20] }));
    for (let i = 0; i < 12; i++)
      await pushImage(app, `many/r${String(i).padStart(2, '0')}`, 't', buildImage({ layerSizes: [5] }));
  });

  after(async () => {
    await berth?.close();
    await db?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  describe(`repositories (${label})`, () => {
    it('lists a project with counts, paging headers and links', async () => {
      const res = await api('/projects/many/repositories?page=2&page_size=5&sort=-name');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-total-count'], '12');
      assert.match(String(res.headers.link), /<[^>]*page=1&page_size=5[^>]*>; rel="prev"/);
      assert.match(String(res.headers.link), /<[^>]*page=3&page_size=5[^>]*>; rel="next"/);
      const names = res.json().map((r: { name: string }) => r.name);
      assert.deepEqual(names, ['many/r06', 'many/r05', 'many/r04', 'many/r03', 'many/r02']);
    });

    it('searches by name and counts top-level artifacts only', async () => {
      const res = await api('/repositories?q=name%3D~app');
      const body = res.json();
      assert.equal(body.length, 1);
      assert.equal(body[0].name, 'team/app');
      assert.equal(body[0].project_name, 'team');
      // image (v1, tagged though in the index), index (multi); the untagged arm child and the SBOM are not.
      assert.equal(body[0].artifact_count, 2);
    });

    it('gets one repository, 404s an unknown one in Harbor shape', async () => {
      assert.equal((await api('/projects/team/repositories/app')).json().name, 'team/app');
      const missing = await api('/projects/team/repositories/nope');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().errors[0].code, 'NOT_FOUND');
    });

    it('rejects an unknown sort field', async () => {
      const res = await api('/repositories?sort=size');
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().errors[0].code, 'BAD_REQUEST');
    });
  });

  describe(`artifacts (${label})`, () => {
    it('lists artifacts with sizes, tags and index platforms', async () => {
      const res = await api('/projects/team/repositories/app/artifacts?sort=digest');
      assert.equal(res.headers['x-total-count'], '2');
      const byDigest = new Map(res.json().map((a: { digest: string }) => [a.digest, a]));
      const img = byDigest.get(image.digest) as Record<string, unknown>;
      assert.equal(img.size, image.manifest.length + image.config.length + 3000);
      assert.deepEqual(
        (img.tags as { name: string }[]).map((t) => t.name),
        ['v1'],
      );
      assert.equal(img.referrer_count, 1);
      const idx = byDigest.get(indexDigest) as { references: { platform: { architecture: string } }[] };
      assert.deepEqual(
        idx.references.map((r) => r.platform.architecture),
        ['amd64', 'arm64'],
      );
    });

    it('filters by tag', async () => {
      const res = await api('/projects/team/repositories/app/artifacts?q=tags%3D~mul');
      assert.deepEqual(
        res.json().map((a: { digest: string }) => a.digest),
        [indexDigest],
      );
    });

    it('shows one artifact with layers, config history, labels and referrers', async () => {
      const res = await api('/projects/team/repositories/app/artifacts/v1');
      assert.equal(res.statusCode, 200);
      const a = res.json();
      assert.equal(a.digest, image.digest);
      assert.deepEqual(
        a.layers.map((l: { size: number }) => l.size),
        [1000, 2000],
      );
      assert.deepEqual(
        a.history.map((h: { created_by: string }) => h.created_by),
        ['RUN make', 'COPY app /app'],
      );
      assert.equal(a.extra_attrs.config.Labels.team, 'core');
      assert.equal(a.accessories.length, 1);
      assert.equal(a.accessories[0].digest, sbomDigest);
      assert.equal(a.accessories[0].type, 'sbom');
      const history = await api(`/projects/team/repositories/app/artifacts/${image.digest}/additions/build_history`);
      assert.equal(history.json().length, 2);
    });

    it('adds and removes tags through the registry', async () => {
      const add = await api('/projects/team/repositories/app/artifacts/v1/tags', {
        method: 'POST',
        payload: { name: 'stable' },
      });
      assert.equal(add.statusCode, 201);
      const pulled = await berth.app.inject({ method: 'GET', url: '/v2/team/app/manifests/stable' });
      assert.equal(pulled.statusCode, 200);
      assert.equal(sha256(pulled.rawPayload), image.digest);
      const again = await api('/projects/team/repositories/app/artifacts/v1/tags', {
        method: 'POST',
        payload: { name: 'stable' },
      });
      assert.equal(again.statusCode, 409);
      const bad = await api('/projects/team/repositories/app/artifacts/v1/tags', {
        method: 'POST',
        payload: { name: '-x' },
      });
      assert.equal(bad.statusCode, 400);
      const removed = await api('/projects/team/repositories/app/artifacts/v1/tags/stable', { method: 'DELETE' });
      assert.equal(removed.statusCode, 200);
      const gone = await berth.app.inject({ method: 'GET', url: '/v2/team/app/manifests/stable' });
      assert.equal(gone.statusCode, 404);
      const tags = await api(`/projects/team/repositories/app/artifacts/${image.digest}/tags`);
      assert.deepEqual(
        tags.json().map((t: { name: string }) => t.name),
        ['v1'],
      );
    });

    it('deletes an artifact', async () => {
      await pushImage(berth.app, 'team/tmp', 'x', buildImage({ layerSizes: [7] }));
      const res = await api('/projects/team/repositories/tmp/artifacts/x', { method: 'DELETE' });
      assert.equal(res.statusCode, 200);
      assert.equal((await api('/projects/team/repositories/tmp/artifacts/x')).statusCode, 404);
    });
  });

  describe(`repository deletion (${label})`, () => {
    it('deletes a repository with its tags; other repositories keep shared blobs', async () => {
      // The identity module serves this DELETE and wants the project to exist.
      const created = await api('/projects', { method: 'POST', payload: { project_name: 'gone' } });
      assert.ok([201, 404].includes(created.statusCode), created.body);
      const shared = buildImage({ layerSizes: [64] });
      await pushImage(berth.app, 'gone/one', 'a', shared);
      await pushImage(berth.app, 'gone/two', 'b', shared);
      const res = await api('/projects/gone/repositories/one', { method: 'DELETE' });
      assert.equal(res.statusCode, 200);
      assert.equal((await api('/projects/gone/repositories/one')).statusCode, 404);
      assert.equal((await berth.app.inject({ method: 'GET', url: '/v2/gone/one/tags/list' })).statusCode, 404);
      const kept = await berth.app.inject({ method: 'GET', url: `/v2/gone/two/blobs/${sha256(shared.layers[0])}` });
      assert.equal(kept.statusCode, 200);
      const listed = (await api('/projects/gone/repositories')).json();
      assert.deepEqual(
        listed.map((r: { name: string }) => r.name),
        ['gone/two'],
      );
    });

    it('finds an artifact by digest prefix', async () => {
      const prefix = image.digest.slice(0, 15);
      const res = await api(`/projects/team/repositories/app/artifacts?q=digest%3D${encodeURIComponent(prefix)}`);
      assert.deepEqual(
        res.json().map((a: { digest: string }) => a.digest),
        [image.digest],
      );
    });
  });

  describe(`statistics (${label})`, () => {
    it('counts projects, repositories, artifacts and storage per project', async () => {
      const s = (await api('/statistics')).json();
      assert.deepEqual(s.projects.map((p: { name: string }) => p.name).sort(), ['gone', 'many', 'other', 'team']);
      assert.equal(s.total_project_count, 4);
      assert.ok(s.total_repo_count >= 15);
      const team = s.projects.find((p: { name: string }) => p.name === 'team');
      assert.ok(team.storage >= 3000 + 300 + 50 + 10);
      assert.ok(s.total_storage_consumption >= team.storage);
    });

    it('counts pushes and pulls per day', async () => {
      await berth.app.inject({ method: 'GET', url: '/v2/team/app/manifests/v1' });
      const days = (await api('/statistics/traffic?days=7')).json();
      assert.equal(days.length, 7);
      const today = days[6];
      assert.equal(today.day, new Date().toISOString().slice(0, 10));
      assert.ok(today.pushes >= 18);
      assert.ok(today.pulls >= 1);
    });

    it('lists recent pushes', async () => {
      const recent = (await api('/statistics/recent?limit=3')).json();
      assert.equal(recent.length, 3);
    });
  });

  describe(`pull counts (${label})`, () => {
    it('counts manifest GETs by tag and digest per repository after a flush; HEAD and misses do not count', async () => {
      const started = new Date(Date.now() - 1000).toISOString();
      const pulled = buildImage({ layerSizes: [9] });
      await pushImage(berth.app, 'pulls/app', 'v1', pulled);
      await pushImage(berth.app, 'pulls/other', 'v1', buildImage({ layerSizes: [8] }));
      const get = (method: 'GET' | 'HEAD', ref: string) =>
        berth.app.inject({ method, url: `/v2/pulls/app/manifests/${ref}` });
      for (let i = 0; i < 3; i++) assert.equal((await get('GET', 'v1')).statusCode, 200);
      for (let i = 0; i < 2; i++) assert.equal((await get('GET', pulled.digest)).statusCode, 200);
      for (let i = 0; i < 4; i++) assert.equal((await get('HEAD', 'v1')).statusCode, 200);
      assert.equal((await get('GET', 'missing')).statusCode, 404);
      const before = (await api('/projects/pulls/repositories/app')).json();
      assert.equal(before.pull_count, 0, 'counted in memory until the flush');
      await berth.traffic.flush();
      const repo = (await api('/projects/pulls/repositories/app')).json();
      assert.equal(repo.pull_count, 5);
      assert.equal((await api('/projects/pulls/repositories/other')).json().pull_count, 0);
      const listed = (await api('/projects/pulls/repositories?sort=name')).json();
      assert.deepEqual(
        listed.map((r: { pull_count: number }) => r.pull_count),
        [5, 0],
      );
      const artifact = (await api('/projects/pulls/repositories/app/artifacts/v1')).json();
      assert.ok(artifact.pull_time >= started, artifact.pull_time);
      const other = (await api('/projects/pulls/repositories/other/artifacts/v1')).json();
      assert.equal(other.pull_time, null);
    });

    it("adds another node's counts to the same rows; an older pull time never replaces a newer one", async () => {
      const store = berth.registry.metadata;
      assert.ok(store instanceof KyselyStore);
      const node2 = new KyselyCatalog(store.db);
      const latest = (await api('/projects/pulls/repositories/app/artifacts/v1')).json().pull_time;
      const digest = (await api('/projects/pulls/repositories/app/artifacts/v1')).json().digest;
      await node2.addPulls({
        repositories: [
          { repository: 'pulls/app', pulls: 10 },
          { repository: 'pulls/deleted-meanwhile', pulls: 1 },
        ],
        artifacts: [{ repository: 'pulls/app', digest, at: '2000-01-01T00:00:00.000Z' }],
      });
      const repo = (await api('/projects/pulls/repositories/app')).json();
      assert.equal(repo.pull_count, 15);
      assert.equal((await api('/projects/pulls/repositories/app/artifacts/v1')).json().pull_time, latest);
      await node2.addPulls({
        repositories: [],
        artifacts: [{ repository: 'pulls/app', digest, at: '2999-01-01T00:00:00.000Z' }],
      });
      assert.equal(
        (await api('/projects/pulls/repositories/app/artifacts/v1')).json().pull_time,
        '2999-01-01T00:00:00.000Z',
      );
    });
  });

  describe(`console (${label})`, () => {
    it('serves index.html for console paths, JSON 404 for API paths', async () => {
      const page = await berth.app.inject({ method: 'GET', url: '/projects/team' });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      const apiMissing = await api('/no-such-thing');
      assert.equal(apiMissing.statusCode, 404);
      assert.equal(apiMissing.json().errors[0].code, 'NOT_FOUND');
    });
  });
}
