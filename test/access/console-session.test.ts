/**
 * The console's server session: HttpOnly cookie, CSRF token on writes,
 * logout that ends it; the cookie never opens /v2.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, api, call, createUser, eventually, type Running, startBerth } from './support.ts';

let r: Running;
before(async () => {
  r = await startBerth();
  await createUser(r, 'carol');
});
after(() => r.close());

function cookiesOf(res: { headers: Headers }): Record<string, { value: string; attributes: string }> {
  const out: Record<string, { value: string; attributes: string }> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = { value: pair.slice(eq + 1), attributes: rest.join(';') };
  }
  return out;
}

async function signIn(username: string, password: string) {
  const res = await call(r.url, 'POST', '/c/login', { body: { username, password } });
  const jar = cookiesOf(res);
  return { res, jar, cookie: `berth_session=${jar.berth_session?.value}`, csrf: res.json?.csrf_token as string };
}

test('a wrong password says so; nothing is set', async () => {
  const { res, jar } = await signIn('carol', 'wrong');
  assert.equal(res.status, 401);
  assert.equal(res.json.errors[0].message, 'invalid username or password');
  assert.deepEqual(Object.keys(jar), []);
});

test('sign-in sets an HttpOnly SameSite session cookie and a readable CSRF cookie; no password is echoed', async () => {
  const { res, jar, csrf } = await signIn('carol', 'Passw0rdX');
  assert.equal(res.status, 200, res.body);
  assert.match(jar.berth_session.attributes, /HttpOnly/);
  assert.match(jar.berth_session.attributes, /SameSite=Strict/);
  assert.match(jar.berth_session.attributes, /Path=\//);
  assert.doesNotMatch(jar.berth_session.attributes, /Secure/, 'plain HTTP here: Secure would drop the cookie');
  assert.doesNotMatch(jar.berth_csrf.attributes, /HttpOnly/);
  assert.equal(jar.berth_csrf.value, csrf);
  assert.doesNotMatch(res.body, /Passw0rdX/);
  const behindTls = await call(r.url, 'POST', '/c/login', {
    body: { username: 'carol', password: 'Passw0rdX' },
    headers: { 'x-forwarded-proto': 'https' },
  });
  for (const c of Object.values(cookiesOf(behindTls))) assert.match(c.attributes, /Secure/);
});

test('the session reads the API; writes need the CSRF token; /v2 ignores the cookie', async () => {
  const { cookie, csrf } = await signIn('carol', 'Passw0rdX');
  const me = await api(r, 'GET', '/users/current', { headers: { cookie } });
  assert.equal(me.status, 200, me.body);
  assert.equal(me.json.username, 'carol');
  const session = await call(r.url, 'GET', '/c/session', { headers: { cookie } });
  assert.equal(session.json.csrf_token, csrf);

  const body = { project_name: 'carols', metadata: { public: 'false' } };
  const noCsrf = await api(r, 'POST', '/projects', { headers: { cookie }, body });
  assert.equal(noCsrf.status, 403, noCsrf.body);
  assert.match(noCsrf.body, /x-csrf-token/);
  const wrongCsrf = await api(r, 'POST', '/projects', {
    headers: { cookie, 'x-csrf-token': 'x'.repeat(csrf.length) },
    body,
  });
  assert.equal(wrongCsrf.status, 403, wrongCsrf.body);
  const project = await api(r, 'POST', '/projects', {
    headers: { cookie, 'x-csrf-token': csrf },
    body: { project_name: 'carols', metadata: { public: 'false' } },
  });
  assert.equal(project.status, 201, project.body);
  assert.equal((await call(r.url, 'GET', '/v2/', { headers: { cookie } })).status, 401);
});

test('log out ends the session on the server: the same cookie no longer works', async () => {
  const { cookie, csrf } = await signIn('carol', 'Passw0rdX');
  assert.equal((await call(r.url, 'POST', '/c/log_out', { headers: { cookie } })).status, 403, 'needs CSRF');
  const out = await call(r.url, 'POST', '/c/log_out', { headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(out.status, 200);
  for (const c of Object.values(cookiesOf(out))) assert.match(c.attributes, /Max-Age=0/);
  const after = await api(r, 'GET', '/users/current', { headers: { cookie } });
  assert.equal(after.status, 401);
  const ended = await call(r.url, 'GET', '/c/session', { headers: { cookie } });
  assert.deepEqual(ended.json, { auth: 'on', oidc: false, signed_in: false });
});

test("a deleted account's session stops working; an Authorization header still wins", async () => {
  await createUser(r, 'dave');
  const { cookie } = await signIn('dave', 'Passw0rdX');
  const users = await api(r, 'GET', '/users?username=dave', { auth: ADMIN });
  const id = users.json.find((u: { username: string }) => u.username === 'dave').user_id;
  assert.equal((await api(r, 'DELETE', `/users/${id}`, { auth: ADMIN })).status, 200);
  assert.equal((await api(r, 'GET', '/users/current', { headers: { cookie } })).status, 401);
  const admin = await api(r, 'GET', '/users/current', { auth: ADMIN, headers: { cookie } });
  assert.equal(admin.json.username, 'admin');
});

test("the audit log names who signed in and out, in Harbor's shape (operation login/logout, resource type user)", async () => {
  await createUser(r, 'erin');
  assert.equal((await signIn('erin', 'nope')).res.status, 401);
  const { cookie, csrf } = await signIn('erin', 'Passw0rdX');
  assert.equal((await call(r.url, 'POST', '/c/log_out', { headers: { cookie, 'x-csrf-token': csrf } })).status, 200);
  await eventually(async () => {
    const logs = await api(r, 'GET', '/audit-logs?q=username=erin&page_size=100', { auth: ADMIN });
    assert.equal(logs.status, 200);
    const rows = logs.json
      .map((e: { operation: string; resource_type: string; resource: string; operation_result: boolean }) =>
        [e.operation, e.resource_type, e.resource, e.operation_result ? 'ok' : 'failed'].join(' '),
      )
      .sort();
    assert.deepEqual(rows, ['login user erin failed', 'login user erin ok', 'logout user erin ok']);
  });
  const byType = await api(r, 'GET', '/audit-logs?q=resource_type=login', { auth: ADMIN });
  assert.deepEqual(byType.json, [], 'no row has the resource type "login" any more');
});
