/** A project that does not exist is said to be missing, not mistaken for an empty or forbidden one. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  api,
  basic,
  call,
  createProject,
  createUser,
  errorCode,
  pushImage,
  type Running,
  startBerth,
} from './support.ts';

let r: Running;
before(async () => {
  r = await startBerth();
  await createProject(r, 'team', false);
  await createUser(r, 'alice');
});
after(() => r.close());

test('GET /projects/{missing}/repositories is 404 for everyone, the administrator included', async () => {
  for (const auth of [ADMIN, basic('alice', 'Passw0rdX')]) {
    const res = await api(r, 'GET', '/projects/nope/repositories', { auth });
    assert.equal(res.status, 404, res.body);
    assert.equal(errorCode(res), 'NOT_FOUND');
  }
  assert.equal((await api(r, 'GET', '/projects/team/repositories', { auth: ADMIN })).status, 200);
  // Repositories pushed before their project row existed still list for the administrator.
  await pushImage(r, 'legacy/app', 'v1', ADMIN);
  await api(r, 'DELETE', '/projects/legacy', { auth: ADMIN });
  const legacy = await api(r, 'GET', '/projects/legacy/repositories', { auth: ADMIN });
  assert.equal(legacy.status, 200, legacy.body);
  assert.deepEqual(
    legacy.json.map((x: { name: string }) => x.name),
    ['legacy/app'],
  );
});

test('a non-administrator pushing to a missing project is told the project does not exist', async () => {
  const res = await call(r.url, 'POST', '/v2/nope/app/blobs/uploads/', { auth: basic('alice', 'Passw0rdX') });
  assert.equal(res.status, 403);
  assert.equal(errorCode(res), 'DENIED');
  assert.match(res.json.errors[0].message, /project nope does not exist/);
  const existing = await call(r.url, 'POST', '/v2/team/app/blobs/uploads/', { auth: basic('alice', 'Passw0rdX') });
  assert.equal(existing.status, 403);
  assert.match(existing.json.errors[0].message, /requested access to team\/app is denied/);
});

test('the projects list carries repo_count (Harbor shape), as the project page does', async () => {
  await pushImage(r, 'team/one', 'v1', ADMIN);
  await pushImage(r, 'team/two/deep', 'v1', ADMIN);
  const list = await api(r, 'GET', '/projects?page_size=100', { auth: ADMIN });
  const team = list.json.find((p: { name: string }) => p.name === 'team');
  assert.equal(team.repo_count, 2);
  assert.equal((await api(r, 'GET', '/projects/team', { auth: ADMIN })).json.repo_count, 2);
});
