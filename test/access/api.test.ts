/** The management API: projects, users, members and the audit log, in Harbor's shapes. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  addMember,
  api,
  basic,
  call,
  createProject,
  createUser,
  eventually,
  pushImage,
  type Running,
  startBerth,
} from './support.ts';

let r: Running;
const ALICE = basic('alice', 'Passw0rdX');
const BOB = basic('bob', 'Passw0rdX');
before(async () => {
  r = await startBerth();
  await createUser(r, 'alice');
  await createUser(r, 'bob');
});
after(() => r.close());

test('projects: create, conflict, bad names, get, head', async () => {
  const res = await api(r, 'POST', '/projects', {
    auth: ALICE,
    body: { project_name: 'alpha', metadata: { public: 'false' } },
  });
  assert.equal(res.status, 201, res.body);
  assert.match(res.headers.get('location') ?? '', /^\/api\/v2\.0\/projects\/\d+$/);
  assert.equal((await api(r, 'POST', '/projects', { auth: ALICE, body: { project_name: 'alpha' } })).status, 409);
  for (const name of ['Alpha', 'a/b', '..', '', 'a..b'])
    assert.equal((await api(r, 'POST', '/projects', { auth: ALICE, body: { project_name: name } })).status, 400, name);
  assert.equal((await api(r, 'POST', '/projects', { body: { project_name: 'anon' } })).status, 401);
  const got = await api(r, 'GET', '/projects/alpha', { auth: ALICE });
  assert.equal(got.status, 200);
  assert.equal(got.json.name, 'alpha');
  assert.equal(got.json.owner_name, 'alice');
  assert.equal(got.json.current_user_role_id, 1); // the creator is its project admin
  assert.equal(got.json.metadata.public, 'false');
  assert.equal(got.json.repo_count, 0);
  const byId = await api(r, 'GET', `/projects/${got.json.project_id}`, { auth: ALICE });
  assert.equal(byId.json.name, 'alpha');
  // a private project is invisible to others: 404, not 403
  assert.equal((await api(r, 'GET', '/projects/alpha', { auth: BOB })).status, 404);
  assert.equal((await api(r, 'GET', '/projects/alpha')).status, 401);
  assert.equal((await api(r, 'HEAD', '/projects?project_name=alpha', { auth: BOB })).status, 200);
  assert.equal((await api(r, 'HEAD', '/projects?project_name=nope', { auth: BOB })).status, 404);
});

test("projects: listing shows public ones and one's own, paged with X-Total-Count and Link", async () => {
  for (const n of ['p1', 'p2', 'p3']) await createProject(r, n, true);
  await createProject(r, 'hidden', false);
  const all = await api(r, 'GET', '/projects?page_size=100', { auth: ADMIN });
  assert.ok(all.json.some((p: { name: string }) => p.name === 'hidden'));
  const bob = await api(r, 'GET', '/projects?page=1&page_size=2', { auth: BOB });
  assert.equal(bob.headers.get('x-total-count'), '3');
  assert.deepEqual(
    bob.json.map((p: { name: string }) => p.name),
    ['p1', 'p2'],
  );
  assert.equal(bob.headers.get('link'), '</api/v2.0/projects?page=2&page_size=2>; rel="next"');
  const page2 = await api(r, 'GET', '/projects?page=2&page_size=2', { auth: BOB });
  assert.deepEqual(
    page2.json.map((p: { name: string }) => p.name),
    ['p3'],
  );
  assert.equal(page2.headers.get('link'), '</api/v2.0/projects?page=1&page_size=2>; rel="prev"');
  const anon = await api(r, 'GET', '/projects?page_size=100');
  assert.deepEqual(
    anon.json.map((p: { name: string }) => p.name),
    ['p1', 'p2', 'p3'],
  );
  const alice = await api(r, 'GET', '/projects?page_size=100', { auth: ALICE });
  assert.deepEqual(
    alice.json.map((p: { name: string }) => p.name),
    ['alpha', 'p1', 'p2', 'p3'],
  );
  assert.equal((await api(r, 'GET', '/projects?page_size=1000', { auth: ALICE })).status, 400);
});

test('projects: settings need the project admin; deletion needs an empty project', async () => {
  await addMember(r, 'alpha', 'bob', 2); // developer
  const byBob = await api(r, 'PUT', '/projects/alpha', { auth: BOB, body: { metadata: { public: 'true' } } });
  assert.equal(byBob.status, 403);
  assert.equal(byBob.json.errors[0].code, 'FORBIDDEN');
  assert.equal(
    (await api(r, 'PUT', '/projects/alpha', { auth: ALICE, body: { metadata: { public: 'true' } } })).status,
    200,
  );
  assert.equal((await api(r, 'GET', '/projects/alpha', { auth: BOB })).json.metadata.public, 'true');
  assert.equal((await call(r.url, 'GET', '/v2/alpha/x/tags/list')).status, 404); // anonymous may look now
  await pushImage(r, 'alpha/app', 'v1', BOB);
  assert.equal((await api(r, 'DELETE', '/projects/alpha', { auth: BOB })).status, 403);
  const full = await api(r, 'DELETE', '/projects/alpha', { auth: ALICE });
  assert.equal(full.status, 412);
  // deleting the repository: the matrix's "delete repository" (maintainer and project admin, not developer)
  await pushImage(r, 'alpha/nested/app', 'v1', BOB);
  assert.equal((await api(r, 'DELETE', '/projects/alpha/repositories/app', { auth: BOB })).status, 403);
  assert.equal((await api(r, 'DELETE', '/projects/alpha/repositories/app', { auth: ALICE })).status, 200);
  assert.equal((await api(r, 'DELETE', '/projects/alpha/repositories/app', { auth: ALICE })).status, 404);
  assert.equal((await call(r.url, 'GET', '/v2/alpha/app/manifests/v1', { auth: ALICE })).status, 404);
  assert.equal((await api(r, 'DELETE', '/projects/alpha/repositories/..%252Fp1%252Fx', { auth: ALICE })).status, 400);
  assert.equal((await api(r, 'DELETE', '/projects/alpha', { auth: ALICE })).status, 412);
  assert.equal((await api(r, 'DELETE', '/projects/alpha/repositories/nested%252Fapp', { auth: ALICE })).status, 200);
  assert.equal((await api(r, 'DELETE', '/projects/alpha', { auth: ALICE })).status, 200);
  assert.equal((await api(r, 'GET', '/projects/alpha', { auth: ADMIN })).status, 404);
});

test('users: only administrators create and list; passwords are checked and hashed', async () => {
  assert.equal(
    (await api(r, 'POST', '/users', { auth: ALICE, body: { username: 'x', password: 'Passw0rdX' } })).status,
    403,
  );
  assert.equal((await api(r, 'POST', '/users', { body: { username: 'x', password: 'Passw0rdX' } })).status, 401);
  const weak = await api(r, 'POST', '/users', { auth: ADMIN, body: { username: 'weak', password: 'short' } });
  assert.equal(weak.status, 400);
  assert.equal(weak.json.errors[0].code, 'BAD_REQUEST');
  assert.equal(
    (await api(r, 'POST', '/users', { auth: ADMIN, body: { username: 'robot$x', password: 'Passw0rdX' } })).status,
    400,
  );
  assert.equal(
    (await api(r, 'POST', '/users', { auth: ADMIN, body: { username: 'alice', password: 'Passw0rdX' } })).status,
    409,
  );
  const list = await api(r, 'GET', '/users?page_size=100', { auth: ADMIN });
  assert.ok(list.json.some((u: { username: string }) => u.username === 'alice'));
  assert.ok(!list.body.includes('scrypt'));
  assert.equal((await api(r, 'GET', '/users', { auth: ALICE })).status, 403);
  const me = await api(r, 'GET', '/users/current', { auth: ALICE });
  assert.equal(me.json.username, 'alice');
  assert.equal(me.json.sysadmin_flag, false);
});

test('users: password changes, sysadmin flag', async () => {
  const id = await createUser(r, 'carl');
  const carl = basic('carl', 'Passw0rdX');
  const wrongOld = await api(r, 'PUT', `/users/${id}/password`, {
    auth: carl,
    body: { old_password: 'nope', new_password: 'NewPassw0rd' },
  });
  assert.equal(wrongOld.status, 403);
  assert.equal(
    (
      await api(r, 'PUT', `/users/${id}/password`, {
        auth: carl,
        body: { old_password: 'Passw0rdX', new_password: 'NewPassw0rd' },
      })
    ).status,
    200,
  );
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: carl })).status, 401);
  const carl2 = basic('carl', 'NewPassw0rd');
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: carl2 })).status, 200);
  assert.equal(
    (await api(r, 'PUT', `/users/${id}/sysadmin`, { auth: carl2, body: { sysadmin_flag: true } })).status,
    403,
  );
  assert.equal(
    (await api(r, 'PUT', `/users/${id}/sysadmin`, { auth: ADMIN, body: { sysadmin_flag: true } })).status,
    200,
  );
  assert.equal((await api(r, 'GET', '/users', { auth: carl2 })).status, 200);
  assert.equal((await api(r, 'GET', `/users/${id}`, { auth: ALICE })).status, 403);
});

test('members: Harbor shapes; who may list and manage', async () => {
  await createProject(r, 'crew', false);
  await createUser(r, 'lg');
  await addMember(r, 'crew', 'alice', 4); // maintainer
  await addMember(r, 'crew', 'lg', 5); // limited guest
  const list = await api(r, 'GET', '/projects/crew/members', { auth: basic('alice', 'Passw0rdX') });
  assert.equal(list.status, 200);
  const alice = list.json.find((m: { entity_name: string }) => m.entity_name === 'alice');
  assert.equal(alice.role_id, 4);
  assert.equal(alice.role_name, 'maintainer');
  assert.equal(alice.entity_type, 'u');
  assert.equal((await api(r, 'GET', '/projects/crew/members', { auth: basic('lg', 'Passw0rdX') })).status, 403);
  assert.equal((await api(r, 'GET', '/projects/crew/members', { auth: BOB })).status, 404);
  const byMaintainer = await api(r, 'POST', '/projects/crew/members', {
    auth: ALICE,
    body: { role_id: 1, member_user: { username: 'bob' } },
  });
  assert.equal(byMaintainer.status, 403); // maintainers do not manage members
  assert.equal(
    (
      await api(r, 'POST', '/projects/crew/members', {
        auth: ADMIN,
        body: { role_id: 9, member_user: { username: 'bob' } },
      })
    ).status,
    400,
  );
  assert.equal(
    (
      await api(r, 'POST', '/projects/crew/members', {
        auth: ADMIN,
        body: { role_id: 3, member_user: { username: 'ghost' } },
      })
    ).status,
    404,
  );
  const added = await api(r, 'POST', '/projects/crew/members', {
    auth: ADMIN,
    body: { role_id: 3, member_user: { username: 'bob' } },
  });
  assert.equal(added.status, 201);
  const mid = added.headers.get('location')?.split('/').pop();
  assert.equal((await call(r.url, 'POST', '/v2/crew/app/blobs/uploads/', { auth: BOB })).status, 403);
  assert.equal(
    (await api(r, 'PUT', `/projects/crew/members/${mid}`, { auth: ADMIN, body: { role_id: 2 } })).status,
    200,
  );
  assert.equal((await call(r.url, 'POST', '/v2/crew/app/blobs/uploads/', { auth: BOB })).status, 202);
  assert.equal((await api(r, 'GET', `/projects/crew/members/${mid}`, { auth: BOB })).json.role_name, 'developer');
});

test('the audit log: logins, pushes, pulls, deletions, permission changes; who, what, when, where', async () => {
  await createProject(r, 'aud', false);
  await createUser(r, 'gus');
  await createUser(r, 'limited');
  await addMember(r, 'aud', 'gus', 3);
  await addMember(r, 'aud', 'limited', 5);
  const digest = await pushImage(r, 'aud/app', 'v1', ADMIN);
  assert.equal((await call(r.url, 'GET', '/v2/aud/app/manifests/v1', { auth: basic('gus', 'Passw0rdX') })).status, 200);
  assert.equal((await call(r.url, 'DELETE', `/v2/aud/app/manifests/${digest}`, { auth: ADMIN })).status, 202);
  // A token for a pull is no login; a token for no repository (`podman login`) is.
  await call(r.url, 'GET', '/service/token?scope=repository:aud/app:pull', { auth: basic('limited', 'Passw0rdX') });
  await call(r.url, 'GET', '/service/token?service=berth&account=gus', { auth: basic('gus', 'Passw0rdX') });
  await eventually(async () => {
    const logs = await api(r, 'GET', '/projects/aud/logs?page_size=100', { auth: basic('gus', 'Passw0rdX') });
    assert.equal(logs.status, 200);
    const line = (op: string, type: string) =>
      logs.json.find(
        (e: { operation: string; resource_type: string }) => e.operation === op && e.resource_type === type,
      );
    assert.deepEqual(
      { ...line('push', 'artifact'), id: 0, op_time: '' },
      {
        id: 0,
        username: 'admin',
        resource: 'aud/app:v1',
        resource_type: 'artifact',
        operation: 'push',
        operation_result: true,
        project_name: 'aud',
        client_address: '127.0.0.1',
        op_time: '',
      },
    );
    assert.ok(Date.now() - Date.parse(line('push', 'artifact').op_time) < 60_000);
    assert.equal(line('pull', 'artifact').username, 'gus');
    assert.equal(line('delete', 'artifact').resource, `aud/app@${digest}`);
    assert.ok(
      logs.json.some(
        (e: { operation: string; resource: string; username: string }) =>
          e.operation === 'add' && e.resource === 'gus:guest' && e.username === 'admin',
      ),
    );
    assert.equal(line('create', 'project').username, 'admin');
  });
  assert.equal((await api(r, 'GET', '/projects/aud/logs', { auth: basic('limited', 'Passw0rdX') })).status, 403);
  assert.equal((await api(r, 'GET', '/audit-logs', { auth: basic('gus', 'Passw0rdX') })).status, 403);
  const all = await api(r, 'GET', '/audit-logs?q=operation=login&page_size=100', { auth: ADMIN });
  const login = all.json.find((e: { username: string }) => e.username === 'gus');
  // Harbor's shape: operation login on the user who signed in (not "login login gus").
  assert.equal(login.resource_type, 'user');
  assert.equal(login.resource, 'gus');
  assert.equal(login.operation_result, true);
  assert.ok(Number(all.headers.get('x-total-count')) >= 1);
  assert.ok(!all.json.some((e: { username: string }) => e.username === 'limited'), 'a pull token is no login');
});
