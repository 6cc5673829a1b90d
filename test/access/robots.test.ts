/** Robot accounts: names, secret shown once, default pull-only, permissions, refresh, disable, expiry. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  ADMIN,
  addMember,
  api,
  basic,
  bearer,
  call,
  createProject,
  createUser,
  errorCode,
  pushImage,
  type Running,
  startBerth,
  token,
} from './support.ts';

let r: Running;
before(async () => {
  r = await startBerth();
  await createProject(r, 'team');
  await createProject(r, 'other');
  await pushImage(r, 'team/app', 'v1', ADMIN);
  await pushImage(r, 'other/app', 'v1', ADMIN);
  await createUser(r, 'dev');
  await createUser(r, 'maint');
  await addMember(r, 'team', 'dev', 2);
  await addMember(r, 'team', 'maint', 4);
});
after(() => r.close());

test('a project robot: robot$team+name, secret once, pull only by default', async () => {
  const res = await api(r, 'POST', '/projects/team/robots', {
    auth: ADMIN,
    body: { name: 'ci', description: 'builds' },
  });
  assert.equal(res.status, 201, res.body);
  assert.equal(res.json.name, 'robot$team+ci');
  assert.equal(typeof res.json.secret, 'string');
  assert.ok(res.json.secret.length >= 24);
  assert.equal(res.json.expires_at, -1);
  const shown = await api(r, 'GET', `/robots/${res.json.id}`, { auth: ADMIN });
  assert.equal(shown.status, 200);
  assert.equal(shown.json.secret, undefined);
  assert.ok(!shown.body.includes(res.json.secret));
  assert.deepEqual(shown.json.permissions, [
    { kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] },
  ]);
  const robot = basic(res.json.name, res.json.secret);
  assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: robot })).status, 200);
  assert.equal(errorCode(await call(r.url, 'POST', '/v2/team/app/blobs/uploads/', { auth: robot })), 'DENIED');
  assert.equal(errorCode(await call(r.url, 'GET', '/v2/other/app/manifests/v1', { auth: robot })), 'DENIED');
  const claims = decodeJwt(await token(r, ['repository:team/app:pull,push,delete'], robot));
  assert.deepEqual(claims.access, [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  const dup = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'ci' } });
  assert.equal(dup.status, 409);
});

test('an explicit permission list with push, and an expiry', async () => {
  const res = await api(r, 'POST', '/robots', {
    auth: ADMIN,
    body: {
      name: 'pusher',
      level: 'project',
      duration: 30,
      permissions: [
        {
          kind: 'project',
          namespace: 'team',
          access: [
            { resource: 'repository', action: 'pull' },
            { resource: 'repository', action: 'push' },
          ],
        },
      ],
    },
  });
  assert.equal(res.status, 201, res.body);
  assert.ok(res.json.expires_at > Date.now() / 1000 + 29 * 86400);
  const robot = basic(res.json.name, res.json.secret);
  await pushImage(r, 'team/app', 'robot', robot);
  const t = await token(r, ['repository:team/app:pull,push'], robot);
  await pushImage(r, 'team/app', 'robot2', bearer(t));
  assert.equal(errorCode(await call(r.url, 'DELETE', '/v2/team/app/manifests/robot', { auth: robot })), 'DENIED');
  // a project robot may not name another project
  const bad = await api(r, 'POST', '/projects/team/robots', {
    auth: ADMIN,
    body: {
      name: 'sneaky',
      permissions: [{ kind: 'project', namespace: 'other', access: [{ resource: 'repository', action: 'pull' }] }],
    },
  });
  assert.equal(bad.status, 400);
});

test('who may create robots: maintainers yes, developers no; system robots only administrators', async () => {
  const byDev = await api(r, 'POST', '/projects/team/robots', { auth: basic('dev', 'Passw0rdX'), body: { name: 'd' } });
  assert.equal(byDev.status, 403);
  const byMaint = await api(r, 'POST', '/projects/team/robots', {
    auth: basic('maint', 'Passw0rdX'),
    body: { name: 'm' },
  });
  assert.equal(byMaint.status, 201, byMaint.body);
  const sys = {
    name: 'mirror',
    level: 'system',
    permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }],
  };
  assert.equal((await api(r, 'POST', '/robots', { auth: basic('maint', 'Passw0rdX'), body: sys })).status, 403);
  const created = await api(r, 'POST', '/robots', { auth: ADMIN, body: sys });
  assert.equal(created.status, 201, created.body);
  assert.equal(created.json.name, 'robot$mirror');
  const robot = basic(created.json.name, created.json.secret);
  assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: robot })).status, 200);
  assert.equal((await call(r.url, 'GET', '/v2/other/app/manifests/v1', { auth: robot })).status, 200);
  assert.equal(errorCode(await call(r.url, 'POST', '/v2/other/app/blobs/uploads/', { auth: robot })), 'DENIED');
  const listed = await api(r, 'GET', '/robots?q=Level=system', { auth: ADMIN });
  assert.deepEqual(
    listed.json.map((x: { name: string }) => x.name),
    ['robot$mirror'],
  );
});

test('regenerating the secret: the old one is refused, the new one works', async () => {
  const res = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'rotate' } });
  const old = basic(res.json.name, res.json.secret);
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: old })).status, 200);
  const refreshed = await api(r, 'PATCH', `/robots/${res.json.id}`, { auth: ADMIN, body: {} });
  assert.equal(refreshed.status, 200);
  assert.notEqual(refreshed.json.secret, res.json.secret);
  assert.equal(errorCode(await call(r.url, 'GET', '/v2/', { auth: old })), 'UNAUTHORIZED');
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic(res.json.name, refreshed.json.secret) })).status, 200);
  const chosen = await api(r, 'PATCH', `/robots/${res.json.id}`, { auth: ADMIN, body: { secret: 'Chosen5ecret' } });
  assert.equal(chosen.json.secret, 'Chosen5ecret');
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic(res.json.name, 'Chosen5ecret') })).status, 200);
});

test('a disabled robot is refused at once, tokens included', async () => {
  const res = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'off' } });
  const robot = basic(res.json.name, res.json.secret);
  const t = await token(r, ['repository:team/app:pull'], robot);
  assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: bearer(t) })).status, 200);
  assert.equal((await api(r, 'PUT', `/robots/${res.json.id}`, { auth: ADMIN, body: { disable: true } })).status, 200);
  for (const auth of [bearer(t), robot]) {
    const denied = await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth });
    assert.equal(denied.status, 401);
    assert.equal(errorCode(denied), 'UNAUTHORIZED');
  }
  assert.equal(
    (await call(r.url, 'GET', '/service/token?scope=repository:team/app:pull', { auth: robot })).status,
    401,
  );
  await api(r, 'PUT', `/robots/${res.json.id}`, { auth: ADMIN, body: { disable: false } });
  assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: robot })).status, 200);
});

test('an expired robot is refused at once', async () => {
  const res = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'old', duration: 1 } });
  const robot = basic(res.json.name, res.json.secret);
  const t = await token(r, ['repository:team/app:pull'], robot);
  assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: robot })).status, 200);
  // the day passes
  await r.berth.access.store.updateRobot(res.json.id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
  assert.equal(errorCode(await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: robot })), 'UNAUTHORIZED');
  assert.equal(errorCode(await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: bearer(t) })), 'UNAUTHORIZED');
});

test('deleting a robot; robot changes are audited', async () => {
  const res = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'gone' } });
  assert.equal((await api(r, 'DELETE', `/robots/${res.json.id}`, { auth: ADMIN })).status, 200);
  assert.equal(
    errorCode(await call(r.url, 'GET', '/v2/', { auth: basic(res.json.name, res.json.secret) })),
    'UNAUTHORIZED',
  );
  const logs = await api(r, 'GET', '/projects/team/logs?q=resource_type=robot&page_size=100', { auth: ADMIN });
  const ops = logs.json
    .filter((e: { resource: string }) => e.resource === 'robot$team+gone')
    .map((e: { operation: string }) => e.operation);
  assert.deepEqual(ops, ['delete', 'create']);
  const listed = await api(r, 'GET', '/projects/team/robots?page_size=2', { auth: basic('maint', 'Passw0rdX') });
  assert.equal(listed.status, 200);
  assert.equal(listed.json.length, 2);
  assert.ok(Number(listed.headers.get('x-total-count')) >= 5);
  assert.match(
    listed.headers.get('link') ?? '',
    /^<\/api\/v2\.0\/projects\/team\/robots\?page=2&page_size=2>; rel="next"$/,
  );
});
