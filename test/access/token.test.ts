/** Token auth on /v2: the challenge, /service/token claims, Basic, anonymous public pulls, the catalog. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  ADMIN,
  addMember,
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
  await createProject(r, 'pub', true);
  await createProject(r, 'priv', false);
  await createUser(r, 'alice');
  await createUser(r, 'bob');
  await addMember(r, 'priv', 'alice', 2); // developer
  await pushImage(r, 'pub/app', 'v1', ADMIN);
  await pushImage(r, 'priv/app', 'v1', ADMIN);
});
after(() => r.close());

test('/v2/ without credentials: 401 with the Bearer challenge', async () => {
  const res = await call(r.url, 'GET', '/v2/');
  assert.equal(res.status, 401);
  assert.equal(errorCode(res), 'UNAUTHORIZED');
  assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${r.url}/service/token",service="berth"`);
});

test('a private repository without credentials: 401 naming the scope', async () => {
  const res = await call(r.url, 'GET', '/v2/priv/app/manifests/v1');
  assert.equal(res.status, 401);
  assert.equal(
    res.headers.get('www-authenticate'),
    `Bearer realm="${r.url}/service/token",service="berth",scope="repository:priv/app:pull"`,
  );
});

test('/service/token grants exactly what the caller may do', async () => {
  const t = await token(
    r,
    ['repository:priv/app:pull,push,delete', 'repository:pub/app:pull,push'],
    basic('alice', 'Passw0rdX'),
  );
  const claims = decodeJwt(t);
  assert.equal(decodeProtectedHeader(t).alg, 'ES256');
  assert.equal(claims.iss, 'berth');
  assert.equal(claims.aud, 'berth');
  assert.equal(claims.sub, 'alice');
  assert.ok((claims.exp as number) - (claims.iat as number) <= 300);
  assert.deepEqual(claims.access, [
    { type: 'repository', name: 'priv/app', actions: ['pull', 'push'] },
    { type: 'repository', name: 'pub/app', actions: ['pull'] },
  ]);
  const anon = decodeJwt(await token(r, ['repository:priv/app:pull', 'repository:pub/app:pull,push']));
  assert.equal(anon.sub, '');
  assert.deepEqual(anon.access, [{ type: 'repository', name: 'pub/app', actions: ['pull'] }]);
  const bob = decodeJwt(await token(r, ['repository:priv/app:pull'], basic('bob', 'Passw0rdX')));
  assert.deepEqual(bob.access, []);
});

test('/service/token with a wrong password: 401', async () => {
  const res = await call(r.url, 'GET', '/service/token?service=berth&scope=repository:priv/app:pull', {
    auth: basic('alice', 'wrong'),
  });
  assert.equal(res.status, 401);
  assert.equal(errorCode(res), 'UNAUTHORIZED');
});

test('POST /service/token: the OAuth2 password grant', async () => {
  const form = new URLSearchParams({
    grant_type: 'password',
    username: 'alice',
    password: 'Passw0rdX',
    service: 'berth',
    scope: 'repository:priv/app:pull',
    client_id: 'test',
  });
  const res = await fetch(`${r.url}/service/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { access_token: string; expires_in: number };
  assert.deepEqual(decodeJwt(body.access_token).access, [{ type: 'repository', name: 'priv/app', actions: ['pull'] }]);
  form.set('password', 'wrong');
  const bad = await fetch(`${r.url}/service/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(bad.status, 401);
  form.set('grant_type', 'refresh_token');
  const unsupported = await fetch(`${r.url}/service/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(unsupported.status, 400);
});

test('a malformed scope is refused', async () => {
  const res = await call(r.url, 'GET', '/service/token?scope=repository:../etc:pull');
  assert.equal(res.status, 400);
});

test('Bearer and Basic both work on /v2', async () => {
  const t = await token(r, ['repository:priv/app:pull'], basic('alice', 'Passw0rdX'));
  assert.equal((await call(r.url, 'GET', '/v2/priv/app/manifests/v1', { auth: bearer(t) })).status, 200);
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: bearer(t) })).status, 200);
  assert.equal(
    (await call(r.url, 'GET', '/v2/priv/app/manifests/v1', { auth: basic('alice', 'Passw0rdX') })).status,
    200,
  );
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('alice', 'Passw0rdX') })).status, 200);
  // alice (developer) may push with Basic too
  await pushImage(r, 'priv/app', 'alice', basic('alice', 'Passw0rdX'));
});

test('anonymous pulls of a public project work without login', async () => {
  assert.equal((await call(r.url, 'GET', '/v2/pub/app/manifests/v1')).status, 200);
  assert.equal((await call(r.url, 'GET', '/v2/pub/app/tags/list')).json.tags.join(), 'v1');
  const t = await token(r, ['repository:pub/app:pull']);
  assert.equal((await call(r.url, 'GET', '/v2/pub/app/manifests/v1', { auth: bearer(t) })).status, 200);
  const push = await call(r.url, 'POST', '/v2/pub/app/blobs/uploads/');
  assert.equal(push.status, 401);
  assert.equal(errorCode(push), 'UNAUTHORIZED');
});

test('_catalog lists only what the caller may see', async () => {
  const seen = async (auth?: string) => (await call(r.url, 'GET', '/v2/_catalog', { auth })).json?.repositories;
  assert.deepEqual(await seen(ADMIN), ['priv/app', 'pub/app']);
  assert.deepEqual(await seen(basic('alice', 'Passw0rdX')), ['priv/app', 'pub/app']);
  assert.deepEqual(await seen(basic('bob', 'Passw0rdX')), ['pub/app']);
  assert.deepEqual(await seen(bearer(await token(r, ['registry:catalog:*']))), ['pub/app']);
  assert.equal((await call(r.url, 'GET', '/v2/_catalog')).status, 401);
});

test('pushes need an existing project unless an administrator pushes', async () => {
  const res = await pushImage(r, 'newproj/app', 'v1', basic('alice', 'Passw0rdX')).catch((e) => e.reply);
  assert.equal(res.status, 403);
  assert.equal(errorCode(res), 'DENIED');
  await pushImage(r, 'adminmade/app', 'v1', ADMIN);
  const project = await call(r.url, 'GET', '/api/v2.0/projects/adminmade', { auth: ADMIN });
  assert.equal(project.status, 200);
  assert.equal(project.json.metadata.public, 'false');
});

test('the token key survives a restart', async () => {
  const t = await token(r, ['repository:priv/app:pull'], ADMIN);
  const { buildApp } = await import('../../src/server/app.ts');
  const pino = (await import('pino')).default;
  // A second server on the same data folder verifies the first one's tokens.
  const { loadConfig } = await import('../../src/server/config.ts');
  const second = await buildApp(loadConfig({ env: { BERTH_DATA: r.dir } }), pino({ level: 'silent' }));
  const address = await second.app.listen({ host: '127.0.0.1', port: 0 });
  try {
    assert.equal((await call(address, 'GET', '/v2/priv/app/manifests/v1', { auth: bearer(t) })).status, 200);
  } finally {
    await second.app.close();
  }
});
