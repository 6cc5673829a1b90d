/**
 * Registry-wide listings (all repositories, statistics, recent pushes) show a
 * caller only the projects they may pull from: a member sees their private
 * project and the public ones, never another private project (not even one
 * whose name starts like theirs); administrators see everything, repositories
 * without a project row included.
 * Run on the database a test file chooses (SQLite or PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  addMember,
  api,
  basic,
  createProject,
  createUser,
  pushImage,
  type Running,
  startBerth,
} from '../access/support.ts';
import type { CatalogDatabase } from './catalog-suite.ts';

let r: Running;
const DEV = basic('dev', 'Passw0rdX');
let robot: string;

const names = (body: { name: string }[]) => body.map((x) => x.name).sort();

export function catalogVisibilitySuite(label: string, database: () => Promise<CatalogDatabase>): void {
  let db: CatalogDatabase;
  before(async () => {
    db = await database();
    r = await startBerth(db.env);
    await createUser(r, 'dev');
    await createProject(r, 'alpha'); // private, dev is a member
    await createProject(r, 'alphabet'); // private: shares alpha's prefix
    await createProject(r, 'beta'); // private
    await createProject(r, 'gamma', true); // public
    await createProject(r, 'ghost');
    await addMember(r, 'alpha', 'dev', 3); // guest: pull only
    for (const repo of ['alpha/one', 'alpha/two', 'alpha/three', 'alphabet/x', 'beta/secret', 'gamma/pub', 'gamma'])
      await pushImage(r, repo, 'v1', ADMIN);
    await pushImage(r, 'ghost/left', 'v1', ADMIN);
    // A repository whose project row is gone: only administrators see it.
    const ghost = await r.berth.access.store.projectByName('ghost');
    assert.ok(ghost && (await r.berth.access.store.deleteProject(ghost.id)));
    const created = await api(r, 'POST', '/projects/beta/robots', { auth: ADMIN, body: { name: 'ci' } });
    assert.equal(created.status, 201, created.body);
    robot = basic(created.json.name, created.json.secret);
  });

  after(async () => {
    await r?.close();
    await db?.cleanup();
  });

  describe(`registry-wide repositories (${label})`, () => {
    it('shows a member their project and public ones, never other private projects', async () => {
      const res = await api(r, 'GET', '/repositories?page_size=100', { auth: DEV });
      assert.equal(res.status, 200);
      assert.deepEqual(names(res.json), ['alpha/one', 'alpha/three', 'alpha/two', 'gamma', 'gamma/pub']);
      assert.equal(res.headers.get('x-total-count'), '5');
    });

    it('keeps paging totals to what the caller sees', async () => {
      const first = await api(r, 'GET', '/repositories?page=1&page_size=2&sort=name', { auth: DEV });
      assert.equal(first.headers.get('x-total-count'), '5');
      assert.deepEqual(
        first.json.map((x: { name: string }) => x.name),
        ['alpha/one', 'alpha/three'],
      );
      assert.match(String(first.headers.get('link')), /rel="next"/);
      const last = await api(r, 'GET', '/repositories?page=3&page_size=2&sort=name', { auth: DEV });
      assert.deepEqual(
        last.json.map((x: { name: string }) => x.name),
        ['gamma/pub'],
      );
      assert.doesNotMatch(String(last.headers.get('link')), /rel="next"/);
      const search = await api(r, 'GET', '/repositories?q=name%3D~alpha', { auth: DEV });
      assert.equal(search.headers.get('x-total-count'), '3');
      assert.ok(!search.body.includes('alphabet'));
    });

    it('shows a project robot its project and public ones', async () => {
      const res = await api(r, 'GET', '/repositories?page_size=100', { auth: robot });
      assert.equal(res.status, 200);
      assert.deepEqual(names(res.json), ['beta/secret', 'gamma', 'gamma/pub']);
    });

    it('shows an administrator everything, repositories without a project included', async () => {
      const res = await api(r, 'GET', '/repositories?page_size=100', { auth: ADMIN });
      assert.equal(res.headers.get('x-total-count'), '8');
      assert.ok(names(res.json).includes('ghost/left'));
      assert.ok(names(res.json).includes('beta/secret'));
    });

    it('still refuses anonymous callers', async () => {
      assert.equal((await api(r, 'GET', '/repositories')).status, 401);
      assert.equal((await api(r, 'GET', '/statistics')).status, 401);
      assert.equal((await api(r, 'GET', '/statistics/recent')).status, 401);
    });
  });

  describe(`statistics (${label})`, () => {
    it('counts only what a member sees, split into public and private', async () => {
      const s = (await api(r, 'GET', '/statistics', { auth: DEV })).json;
      assert.deepEqual(s.projects.map((p: { name: string }) => p.name).sort(), ['alpha', 'gamma']);
      assert.equal(s.private_project_count, 1);
      assert.equal(s.public_project_count, 1);
      assert.equal(s.total_project_count, 2);
      assert.equal(s.private_repo_count, 3);
      assert.equal(s.public_repo_count, 2);
      assert.equal(s.total_repo_count, 5);
      assert.equal(s.total_artifact_count, 5);
      const usage = s.projects.map((p: { storage: number }) => p.storage);
      // The images share one config blob, counted once in the total but in each project's usage.
      assert.ok(s.total_storage_consumption > Math.max(...usage));
      assert.ok(s.total_storage_consumption < usage[0] + usage[1]);
    });

    it('counts everything for an administrator', async () => {
      const s = (await api(r, 'GET', '/statistics', { auth: ADMIN })).json;
      assert.deepEqual(s.projects.map((p: { name: string }) => p.name).sort(), [
        'alpha',
        'alphabet',
        'beta',
        'gamma',
        'ghost',
      ]);
      assert.equal(s.public_project_count, 1);
      assert.equal(s.private_project_count, 4);
      assert.equal(s.total_repo_count, 8);
      assert.equal(s.public_repo_count, 2);
      assert.equal(s.private_repo_count, 6);
      const dev = (await api(r, 'GET', '/statistics', { auth: DEV })).json;
      assert.ok(s.total_storage_consumption > dev.total_storage_consumption);
    });

    it('lists recent pushes of visible projects only', async () => {
      const recent = (await api(r, 'GET', '/statistics/recent?limit=100', { auth: DEV })).json;
      const repos = new Set(recent.map((p: { repository_name: string }) => p.repository_name));
      assert.deepEqual([...repos].sort(), ['alpha/one', 'alpha/three', 'alpha/two', 'gamma', 'gamma/pub']);
      const all = (await api(r, 'GET', '/statistics/recent?limit=100', { auth: ADMIN })).json;
      assert.ok(all.some((p: { repository_name: string }) => p.repository_name === 'beta/secret'));
    });
  });
}
