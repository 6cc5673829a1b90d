/**
 * The console-completeness endpoints: system settings (/configurations,
 * administrators only, checked and effective), a repository's markdown
 * description (PUT by maintainers, shown by GET) and /search (only what the
 * caller may pull).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  addMember,
  api,
  basic,
  createProject,
  createUser,
  errorCode,
  pushImage,
  type Running,
  startBerth,
  token,
} from '../access/support.ts';

let r: Running;
const bob = basic('bob', 'Passw0rdX');
const carol = basic('carol', 'Passw0rdX');

before(async () => {
  r = await startBerth();
  await createUser(r, 'bob');
  await createUser(r, 'carol');
  await createProject(r, 'team');
  await createProject(r, 'opensource', true);
  await createProject(r, 'secretstuff');
  await addMember(r, 'team', 'bob', 4); // maintainer
  await addMember(r, 'secretstuff', 'carol', 3); // guest
  await addMember(r, 'team', 'carol', 3);
  await pushImage(r, 'team/app', 'v1', ADMIN);
  await pushImage(r, 'opensource/app', 'v1', ADMIN);
  await pushImage(r, 'secretstuff/app', 'v1', ADMIN);
});

after(async () => {
  await r?.close();
});

test('configurations: administrators read and change them; others are refused', async () => {
  const read = await api(r, 'GET', '/configurations', { auth: ADMIN });
  assert.equal(read.status, 200);
  assert.deepEqual(read.json.auth_mode, { value: 'db_auth', editable: false });
  assert.equal(read.json.token_expiration.value, 5);
  assert.equal(read.json.project_creation_restriction.value, 'everyone');
  assert.equal((await api(r, 'GET', '/configurations', { auth: bob })).status, 403);
  assert.equal((await api(r, 'GET', '/configurations')).status, 401);
  assert.equal((await api(r, 'PUT', '/configurations', { auth: bob, body: { token_expiration: 9 } })).status, 403);

  const bad = await api(r, 'PUT', '/configurations', { auth: ADMIN, body: { token_expiration: 0 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.errors[0].field, 'token_expiration');
  const auth = await api(r, 'PUT', '/configurations', { auth: ADMIN, body: { auth_mode: 'ldap_auth' } });
  assert.equal(auth.status, 400);

  const ok = await api(r, 'PUT', '/configurations', {
    auth: ADMIN,
    body: { token_expiration: 30, registry_name: 'Harbour', project_creation_restriction: 'adminonly' },
  });
  assert.equal(ok.status, 200, ok.body);
  const after = (await api(r, 'GET', '/configurations', { auth: ADMIN })).json;
  assert.equal(after.token_expiration.value, 30);
  assert.equal(after.registry_name.value, 'Harbour');

  // Effective: registry tokens now live 30 minutes, and only administrators create projects.
  const jwt = await token(r, ['repository:team/app:pull'], ADMIN);
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  assert.equal(claims.exp - claims.iat, 30 * 60);
  const refused = await api(r, 'POST', '/projects', { auth: bob, body: { project_name: 'bobs' } });
  assert.equal(refused.status, 403);
  assert.equal((await api(r, 'POST', '/projects', { auth: ADMIN, body: { project_name: 'admins' } })).status, 201);
  await api(r, 'PUT', '/configurations', { auth: ADMIN, body: { project_creation_restriction: 'everyone' } });
  assert.equal((await api(r, 'POST', '/projects', { auth: bob, body: { project_name: 'bobs' } })).status, 201);
});

test('a repository description is written by maintainers and read back by GET', async () => {
  const path = '/projects/team/repositories/app';
  const text = '# App\n\nRun it with `podman run`.';
  assert.equal((await api(r, 'PUT', path, { auth: carol, body: { description: text } })).status, 403);
  const put = await api(r, 'PUT', path, { auth: bob, body: { description: text } });
  assert.equal(put.status, 200, put.body);
  assert.equal((await api(r, 'GET', path, { auth: bob })).json.description, text);
  const missing = await api(r, 'PUT', '/projects/team/repositories/nope', { auth: bob, body: { description: 'x' } });
  assert.equal(missing.status, 404);
  assert.equal(errorCode(missing), 'NOT_FOUND');
  await api(r, 'PUT', path, { auth: bob, body: { description: '' } });
  assert.equal((await api(r, 'GET', path, { auth: bob })).json.description, '');
});

test('search finds projects and repositories the caller may pull, and nothing else', async () => {
  // Anonymous callers get what registry-wide browsing gives them: a 401 today, public projects only if opened.
  const anonymous = await api(r, 'GET', '/search?q=app');
  if (anonymous.status === 200)
    assert.deepEqual(
      anonymous.json.repository.map((x: { repository_name: string }) => x.repository_name),
      ['opensource/app'],
    );
  else assert.equal(anonymous.status, 401);
  const asCarol = (await api(r, 'GET', '/search?q=app', { auth: carol })).json;
  assert.deepEqual(asCarol.repository.map((x: { repository_name: string }) => x.repository_name).sort(), [
    'opensource/app',
    'secretstuff/app',
    'team/app',
  ]);
  const admin = (await api(r, 'GET', '/search?q=e', { auth: ADMIN })).json;
  const names = admin.project.map((p: { name: string }) => p.name);
  for (const n of ['team', 'opensource', 'secretstuff']) assert.ok(names.includes(n), n);
  assert.deepEqual((await api(r, 'GET', '/search?q=secret', { auth: bob })).json, { project: [], repository: [] });
  const hit = admin.repository.find((x: { repository_name: string }) => x.repository_name === 'opensource/app');
  assert.equal(hit.project_public, true);
  assert.equal(hit.artifact_count, 1);
});
