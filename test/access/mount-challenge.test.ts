/**
 * A cross-repository mount through token auth, by a client that asks the token
 * service for exactly the scopes the 401 challenge names (as containerd and
 * Docker do when they did not guess the scopes up front).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  ADMIN,
  addMember,
  basic,
  bearer,
  call,
  createProject,
  createUser,
  type Running,
  startBerth,
} from './support.ts';

let r: Running;
before(async () => {
  r = await startBerth();
  await createProject(r, 'src', false);
  await createProject(r, 'dst', false);
  await createProject(r, 'closed', false);
  await createUser(r, 'alice');
  await addMember(r, 'src', 'alice', 3); // guest: pull only
  await addMember(r, 'dst', 'alice', 2); // developer
});
after(() => r.close());

function challengeOf(header: string | null): { realm: string; service: string; scope?: string } {
  assert.ok(header?.startsWith('Bearer '), `a Bearer challenge, got ${header}`);
  const params = Object.fromEntries([...(header ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  return { realm: params.realm, service: params.service, scope: params.scope };
}

/** One request the way a token client makes it: try, follow the challenge once, retry. */
async function asTokenClient(method: string, path: string, auth: string) {
  const first = await call(r.url, method, path);
  if (first.status !== 401) return { first, second: first, granted: [] as unknown[] };
  const challenge = challengeOf(first.headers.get('www-authenticate'));
  const q = new URLSearchParams({ service: challenge.service });
  if (challenge.scope) q.set('scope', challenge.scope);
  const tokenReply = await call(challenge.realm, 'GET', `?${q}`, { auth });
  assert.equal(tokenReply.status, 200, tokenReply.body);
  const second = await call(r.url, method, path, { auth: bearer(tokenReply.json.token) });
  return { first, second, granted: decodeJwt(tokenReply.json.token).access as unknown[] };
}

async function pushBlob(repo: string, content: string): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const res = await call(r.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { auth: ADMIN, raw: content });
  assert.equal(res.status, 201, res.body);
  return digest;
}

test('a mount challenge names pull on `from` and push on the target; following it mounts (201)', async () => {
  const digest = await pushBlob('src/base', `shared layer ${Math.random()}`);
  const path = `/v2/dst/app/blobs/uploads/?mount=${digest}&from=src/base`;
  const { first, second, granted } = await asTokenClient('POST', path, basic('alice', 'Passw0rdX'));
  assert.equal(first.status, 401);
  assert.equal(
    challengeOf(first.headers.get('www-authenticate')).scope,
    'repository:dst/app:pull,push repository:src/base:pull',
  );
  assert.deepEqual(granted, [
    { type: 'repository', name: 'dst/app', actions: ['pull', 'push'] },
    { type: 'repository', name: 'src/base', actions: ['pull'] },
  ]);
  assert.equal(second.status, 201, second.body);
  assert.equal(second.headers.get('location'), `/v2/dst/app/blobs/${digest}`);
  const head = await call(r.url, 'HEAD', `/v2/dst/app/blobs/${digest}`, { auth: ADMIN });
  assert.equal(head.status, 200);
});

test('a token for the target alone is challenged again for `from` (insufficient_scope)', async () => {
  const digest = await pushBlob('src/base', `another layer ${Math.random()}`);
  const q = new URLSearchParams({ service: 'berth', scope: 'repository:dst/two:pull,push' });
  const t = (await call(r.url, 'GET', `/service/token?${q}`, { auth: basic('alice', 'Passw0rdX') })).json.token;
  const res = await call(r.url, 'POST', `/v2/dst/two/blobs/uploads/?mount=${digest}&from=src/base`, {
    auth: bearer(t),
  });
  assert.equal(res.status, 401, res.body);
  const challenge = challengeOf(res.headers.get('www-authenticate'));
  assert.equal(challenge.scope, 'repository:src/base:pull repository:dst/two:pull,push');
  assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
});

test('a `from` the caller may not read is no mount: 202 and an upload session', async () => {
  const digest = await pushBlob('closed/base', `closed layer ${Math.random()}`);
  const path = `/v2/dst/three/blobs/uploads/?mount=${digest}&from=closed/base`;
  const { second, granted } = await asTokenClient('POST', path, basic('alice', 'Passw0rdX'));
  assert.deepEqual(granted, [{ type: 'repository', name: 'dst/three', actions: ['pull', 'push'] }]);
  assert.equal(second.status, 202, second.body);
  assert.ok(second.headers.get('location'));
});
