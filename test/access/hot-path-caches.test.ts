/**
 * The caches on the authenticated hot path (verified tokens, verified
 * passwords, identity reads) never outlive what they stand for: a change to
 * the account is seen by the very next request, and the token cache is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSigningKeys } from '../../src/adapters/keys/file-keys.ts';
import { TokenService } from '../../src/http/token/tokens.ts';
import {
  ADMIN,
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
const MANIFEST = '/v2/hot/app/manifests/v1';
before(async () => {
  r = await startBerth();
  await createProject(r, 'hot');
  await pushImage(r, 'hot/app', 'v1', ADMIN);
});
after(() => r.close());

/** Three requests in a row: the first fills the caches, the others are answered from them. */
async function warm(auth: string): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await call(r.url, 'GET', MANIFEST, { auth })).status, 200);
}

test("a revoked robot's cached token and cached secret are refused by the next request", async () => {
  const res = await api(r, 'POST', '/projects/hot/robots', { auth: ADMIN, body: { name: 'cache' } });
  assert.equal(res.status, 201, res.body);
  const secret = basic(res.json.name, res.json.secret);
  const t = bearer(await token(r, ['repository:hot/app:pull'], secret));
  await warm(t);
  await warm(secret);
  assert.equal((await api(r, 'PUT', `/robots/${res.json.id}`, { auth: ADMIN, body: { disable: true } })).status, 200);
  for (const auth of [t, secret]) assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth })), 'UNAUTHORIZED');
  assert.equal((await api(r, 'PUT', `/robots/${res.json.id}`, { auth: ADMIN, body: { disable: false } })).status, 200);
  await warm(t);
  // A new secret: the cached check of the old one no longer counts.
  const refreshed = await api(r, 'PATCH', `/robots/${res.json.id}`, { auth: ADMIN, body: {} });
  assert.equal(refreshed.status, 200);
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: secret })), 'UNAUTHORIZED');
  await warm(basic(res.json.name, refreshed.json.secret));
  // Deleted: its token goes with it.
  assert.equal((await api(r, 'DELETE', `/robots/${res.json.id}`, { auth: ADMIN })).status, 200);
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: t })), 'UNAUTHORIZED');
});

test("a user's cached password stops working when it changes, and a deleted user's cached token is refused", async () => {
  const id = await createUser(r, 'cachy');
  const res = await api(r, 'POST', '/projects/hot/members', {
    auth: ADMIN,
    body: { role_id: 3, member_user: { username: 'cachy' } },
  });
  assert.equal(res.status, 201, res.body);
  const old = basic('cachy', 'Passw0rdX');
  await warm(old);
  const t = bearer(await token(r, ['repository:hot/app:pull'], old));
  await warm(t);
  const changed = await api(r, 'PUT', `/users/${id}/password`, {
    auth: old,
    body: { old_password: 'Passw0rdX', new_password: 'NewPassw0rd' },
  });
  assert.equal(changed.status, 200);
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: old })), 'UNAUTHORIZED');
  await warm(basic('cachy', 'NewPassw0rd'));
  assert.equal((await api(r, 'DELETE', `/users/${id}`, { auth: ADMIN })).status, 200);
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: t })), 'UNAUTHORIZED');
  // A new account with the old name is not the old account: the old token stays refused.
  await createUser(r, 'cachy');
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: t })), 'UNAUTHORIZED');
});

test('a member removed from the project, or a project made private, loses a remembered Bearer pull at once', async () => {
  await createUser(r, 'leaver');
  const member = await api(r, 'POST', '/projects/hot/members', {
    auth: ADMIN,
    body: { role_id: 3, member_user: { username: 'leaver' } },
  });
  assert.equal(member.status, 201, member.body);
  const t = bearer(await token(r, ['repository:hot/app:pull'], basic('leaver', 'Passw0rdX')));
  await warm(t);
  const members = (await api(r, 'GET', '/projects/hot/members', { auth: ADMIN })).json as Array<{
    id: number;
    entity_name: string;
  }>;
  const mid = members.find((m) => m.entity_name === 'leaver')?.id;
  assert.equal((await api(r, 'DELETE', `/projects/hot/members/${mid}`, { auth: ADMIN })).status, 200);
  assert.equal(errorCode(await call(r.url, 'GET', MANIFEST, { auth: t })), 'DENIED');

  // Anonymous token of a public project: pulls are remembered, then the project turns private.
  await createProject(r, 'opened', true);
  await pushImage(r, 'opened/app', 'v1', ADMIN);
  const anonymous = bearer(await token(r, ['repository:opened/app:pull']));
  for (let i = 0; i < 3; i++)
    assert.equal((await call(r.url, 'GET', '/v2/opened/app/manifests/v1', { auth: anonymous })).status, 200);
  const closed = await api(r, 'PUT', '/projects/opened', { auth: ADMIN, body: { metadata: { public: 'false' } } });
  assert.equal(closed.status, 200, closed.body);
  assert.equal((await call(r.url, 'GET', '/v2/opened/app/manifests/v1', { auth: anonymous })).status, 401);
});

test('64 concurrent Basic requests with the same new credentials share one password check, and all pass', async () => {
  await createUser(r, 'herd');
  const res = await api(r, 'POST', '/projects/hot/members', {
    auth: ADMIN,
    body: { role_id: 3, member_user: { username: 'herd' } },
  });
  assert.equal(res.status, 201, res.body);
  const auth = basic('herd', 'Passw0rdX');
  const replies = await Promise.all(Array.from({ length: 64 }, () => call(r.url, 'HEAD', MANIFEST, { auth })));
  assert.deepEqual([...new Set(replies.map((x) => x.status))], [200]);
  const wrong = basic('herd', 'Wrong-passw0rd');
  const refused = await Promise.all(Array.from({ length: 4 }, () => call(r.url, 'GET', MANIFEST, { auth: wrong })));
  assert.deepEqual([...new Set(refused.map((x) => x.status))], [401]);
});

test('verified tokens: bounded in number, and not believed past their expiry', async () => {
  const tokens = new TokenService(await generateSigningKeys(), {
    issuer: 'berth',
    service: 'berth',
    ttlSeconds: 5,
    verifiedCacheEntries: 3,
  });
  const issued = [];
  for (let i = 0; i < 5; i++) issued.push((await tokens.issue(`u${i}`, [], i)).token);
  for (const t of issued) await tokens.verify(t);
  assert.equal(tokens.verifiedCount, 3);
  for (const t of issued) assert.equal((await tokens.verify(t)).subject.startsWith('u'), true);
  assert.ok(tokens.verifiedCount <= 3);
  await new Promise((done) => setTimeout(done, 6100));
  await assert.rejects(tokens.verify(issued[4]), /exp/);
});
