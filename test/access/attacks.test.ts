/**
 * Bad input and attacks: each is refused with the right OCI error and
 * changes nothing (the registry's content is compared before and after).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { base64url, generateKeyPair, importJWK, SignJWT } from 'jose';
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
  eventually,
  pushImage,
  type Reply,
  type Running,
  startBerth,
  token,
} from './support.ts';

let r: Running;
const ALICE = basic('alice', 'Passw0rdX');
const GUEST = basic('gina', 'Passw0rdX');

/** Everything visible in the registry: repositories, their tags and the digests they point at. */
async function snapshot(): Promise<string> {
  const repos: string[] = (await call(r.url, 'GET', '/v2/_catalog', { auth: ADMIN })).json.repositories;
  const out: string[] = [];
  for (const repo of repos) {
    const tags: string[] = (await call(r.url, 'GET', `/v2/${repo}/tags/list`, { auth: ADMIN })).json.tags ?? [];
    for (const tag of tags) {
      const res = await call(r.url, 'HEAD', `/v2/${repo}/manifests/${tag}`, { auth: ADMIN });
      out.push(`${repo}:${tag}@${res.headers.get('docker-content-digest')}`);
    }
  }
  return out.join('\n');
}

let before_: string;
async function unchanged() {
  assert.equal(await snapshot(), before_, 'the registry changed');
}

function refused(res: Reply, status: number, code: string) {
  assert.equal(res.status, status, res.body);
  assert.equal(errorCode(res), code, res.body);
}

before(async () => {
  r = await startBerth({ BERTH_LOGIN_MAX_FAILURES: '5' });
  await createProject(r, 'team');
  await createProject(r, 'other');
  await createUser(r, 'alice');
  await createUser(r, 'gina');
  await addMember(r, 'team', 'alice', 2); // developer in team, nothing in other
  await addMember(r, 'team', 'gina', 3); // guest
  await pushImage(r, 'team/a', 'v1', ADMIN);
  await pushImage(r, 'team/b', 'v1', ADMIN);
  await pushImage(r, 'other/secret', 'v1', ADMIN);
});
after(() => r.close());
beforeEach(async () => {
  before_ = await snapshot();
});

test('a token for repository A used on repository B', async () => {
  const t = await token(r, ['repository:team/a:pull,push'], ALICE);
  // B in the same project: alice may, but the token does not say so: 401, get a new token.
  const sameProject = await call(r.url, 'GET', '/v2/team/b/manifests/v1', { auth: bearer(t) });
  refused(sameProject, 401, 'UNAUTHORIZED');
  assert.match(
    sameProject.headers.get('www-authenticate') ?? '',
    /scope="repository:team\/b:pull",error="insufficient_scope"/,
  );
  refused(await call(r.url, 'POST', '/v2/team/b/blobs/uploads/', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  // B in another project: alice may not at all.
  refused(await call(r.url, 'GET', '/v2/other/secret/manifests/v1', { auth: bearer(t) }), 403, 'DENIED');
  refused(await call(r.url, 'POST', '/v2/other/secret/blobs/uploads/', { auth: bearer(t) }), 403, 'DENIED');
  await unchanged();
});

test('a token for pull used to push', async () => {
  const t = await token(r, ['repository:team/a:pull'], ALICE);
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  const put = await call(r.url, 'PUT', '/v2/team/a/manifests/evil', {
    auth: bearer(t),
    raw: '{}',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  refused(put, 401, 'UNAUTHORIZED');
  // The guest's token can never hold push: the token service leaves it out, the registry denies.
  const g = await token(r, ['repository:team/a:pull,push'], GUEST);
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(g) }), 403, 'DENIED');
  await unchanged();
});

async function signingKey() {
  const jwk = JSON.parse(await readFile(join(r.dir, 'keys', 'token-es256.jwk'), 'utf8'));
  return importJWK(jwk, 'ES256');
}

test('an expired token', async () => {
  const key = await signingKey();
  const now = Math.floor(Date.now() / 1000);
  // Everything right (admin's id 1, our key) except the expiry.
  const t = await new SignJWT({
    berth_aid: 1,
    access: [{ type: 'repository', name: 'team/a', actions: ['pull', 'push'] }],
  })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('berth')
    .setAudience('berth')
    .setSubject('admin')
    .setIssuedAt(now - 600)
    .setExpirationTime(now - 60)
    .sign(key);
  const res = await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) });
  refused(res, 401, 'UNAUTHORIZED');
  assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  // the same token with a valid expiry would have worked: the expiry alone refused it
  const fresh = await new SignJWT({ berth_aid: 1, access: [{ type: 'repository', name: 'team/a', actions: ['pull'] }] })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('berth')
    .setAudience('berth')
    .setSubject('admin')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key);
  assert.equal((await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(fresh) })).status, 200);
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  await unchanged();
});

test('a token signed by another key, with alg none, or HS256 over the public key', async () => {
  const claims = {
    berth_aid: 1,
    access: [{ type: 'repository', name: 'team/a', actions: ['pull', 'push', 'delete'] }],
  };
  const now = Math.floor(Date.now() / 1000);
  const { privateKey } = await generateKeyPair('ES256');
  const foreign = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('berth')
    .setAudience('berth')
    .setSubject('admin')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
  const payload = base64url.encode(
    JSON.stringify({ ...claims, iss: 'berth', aud: 'berth', sub: 'admin', iat: now, exp: now + 300 }),
  );
  const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
  const jwk = JSON.parse(await readFile(join(r.dir, 'keys', 'token-es256.jwk'), 'utf8'));
  const { d: _d, ...pub } = jwk;
  const hs = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('berth')
    .setAudience('berth')
    .setSubject('admin')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(JSON.stringify(pub)));
  for (const t of [foreign, none, hs, 'not.a.token']) {
    refused(await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
    refused(await call(r.url, 'DELETE', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
    refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  }
  await unchanged();
});

test('a robot pushing without push permission', async () => {
  const created = await api(r, 'POST', '/projects/team/robots', { auth: ADMIN, body: { name: 'reader' } });
  assert.equal(created.status, 201, created.body);
  const robot = basic(created.json.name, created.json.secret);
  assert.equal((await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: robot })).status, 200);
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: robot }), 403, 'DENIED');
  const t = await token(r, ['repository:team/a:pull,push'], robot);
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 403, 'DENIED');
  refused(await call(r.url, 'GET', '/v2/other/secret/manifests/v1', { auth: robot }), 403, 'DENIED');
  await unchanged();
});

test('a guest deleting', async () => {
  const digest = (await call(r.url, 'HEAD', '/v2/team/a/manifests/v1', { auth: ADMIN })).headers.get(
    'docker-content-digest',
  );
  refused(await call(r.url, 'DELETE', `/v2/team/a/manifests/${digest}`, { auth: GUEST }), 403, 'DENIED');
  refused(await call(r.url, 'DELETE', '/v2/team/a/manifests/v1', { auth: GUEST }), 403, 'DENIED');
  const t = await token(r, ['repository:team/a:pull,delete'], GUEST);
  refused(await call(r.url, 'DELETE', `/v2/team/a/manifests/${digest}`, { auth: bearer(t) }), 403, 'DENIED');
  // a developer may not delete either (the matrix: delete is for maintainers and project admins)
  refused(await call(r.url, 'DELETE', `/v2/team/a/manifests/${digest}`, { auth: ALICE }), 403, 'DENIED');
  await unchanged();
  // the refused attempts are in the audit log
  await eventually(async () => {
    const logs = await api(r, 'GET', '/projects/team/logs?q=operation=delete&page_size=100', { auth: ADMIN });
    const refusedBy = logs.json
      .filter((e: { operation_result: boolean }) => !e.operation_result)
      .map((e: { username: string }) => e.username);
    assert.deepEqual(refusedBy.sort(), ['alice', 'gina', 'gina', 'gina']);
  });
});

/** A request with the path exactly as given (fetch would normalise `..`). */
function raw(method: string, path: string, auth?: string): Promise<Reply> {
  const url = new URL(r.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: auth ? { authorization: auth } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {}
          resolve({
            status: res.statusCode ?? 0,
            headers: new Headers(res.headers as Record<string, string>),
            body,
            json,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('path tricks to reach another project', async () => {
  // alice may read team/*, never other/*
  for (const path of [
    '/v2/team/../other/secret/manifests/v1',
    '/v2/team/%2e%2e/other/secret/manifests/v1',
    '/v2/team%2f..%2fother/secret/manifests/v1',
    '/v2/team/..%2fother%2fsecret/manifests/v1',
    '/v2/team//other/secret/manifests/v1',
    '/v2/./other/secret/manifests/v1',
    '/v2/TEAM/../other/secret/manifests/v1',
  ]) {
    const res = await raw('GET', path, ALICE);
    refused(res, 400, 'NAME_INVALID');
  }
  refused(await raw('POST', '/v2/team/../other/secret/blobs/uploads/', ALICE), 400, 'NAME_INVALID');
  refused(await raw('DELETE', '/v2/team/%2e%2e/other/secret/manifests/v1', ALICE), 400, 'NAME_INVALID');
  // and the token service will not issue a token for such names
  const q = await call(r.url, 'GET', '/service/token?scope=repository:team/../other/secret:pull', { auth: ALICE });
  assert.equal(q.status, 400);
  await unchanged();
});

test("a deleted user's token and Basic credentials", async () => {
  const id = await createUser(r, 'mallory');
  await addMember(r, 'team', 'mallory', 2);
  const m = basic('mallory', 'Passw0rdX');
  const t = await token(r, ['repository:team/a:pull,push'], m);
  assert.equal((await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) })).status, 200);
  assert.equal((await api(r, 'DELETE', `/users/${id}`, { auth: ADMIN })).status, 200);
  refused(await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  refused(await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: m }), 401, 'UNAUTHORIZED');
  // A new account under the same name, even a member, is not the old token's account.
  await createUser(r, 'mallory', 'Other0pass');
  await addMember(r, 'team', 'mallory', 1);
  refused(await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  refused(await call(r.url, 'DELETE', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 401, 'UNAUTHORIZED');
  await unchanged();
});

test('a removed member loses access at once, whatever the token says', async () => {
  await createUser(r, 'trent');
  await addMember(r, 'team', 'trent', 2);
  const t = await token(r, ['repository:team/a:pull,push'], basic('trent', 'Passw0rdX'));
  const members = await api(r, 'GET', '/projects/team/members?entityname=trent', { auth: ADMIN });
  assert.equal((await api(r, 'DELETE', `/projects/team/members/${members.json[0].id}`, { auth: ADMIN })).status, 200);
  refused(await call(r.url, 'GET', '/v2/team/a/manifests/v1', { auth: bearer(t) }), 403, 'DENIED');
  refused(await call(r.url, 'POST', '/v2/team/a/blobs/uploads/', { auth: bearer(t) }), 403, 'DENIED');
  await unchanged();
});

test('brute-force logins are rate-limited with a clear 429', async () => {
  await createUser(r, 'victim');
  // loginMaxFailures is 5 for this server
  for (let i = 0; i < 5; i++) {
    refused(await call(r.url, 'GET', '/v2/', { auth: basic('victim', `guess${i}`) }), 401, 'UNAUTHORIZED');
  }
  const limited = await call(r.url, 'GET', '/v2/', { auth: basic('victim', 'guess5') });
  refused(limited, 429, 'TOOMANYREQUESTS');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  assert.match(limited.json.errors[0].message, /too many failed logins/);
  // even the right password waits now, on every door
  refused(await call(r.url, 'GET', '/v2/', { auth: basic('victim', 'Passw0rdX') }), 429, 'TOOMANYREQUESTS');
  const tok = await call(r.url, 'GET', '/service/token?scope=repository:team/a:pull', {
    auth: basic('victim', 'Passw0rdX'),
  });
  refused(tok, 429, 'TOOMANYREQUESTS');
  const apiRes = await api(r, 'GET', '/users/current', { auth: basic('victim', 'Passw0rdX') });
  assert.equal(apiRes.status, 429);
  assert.equal(apiRes.json.errors[0].code, 'TOO_MANY_REQUESTS');
  // other accounts from the same address are not locked out
  assert.equal((await call(r.url, 'GET', '/v2/', { auth: ALICE })).status, 200);
  const failures = await api(r, 'GET', '/audit-logs?q=operation=login,username=victim&page_size=100', { auth: ADMIN });
  assert.equal(failures.json.filter((e: { operation_result: boolean }) => !e.operation_result).length, 5);
  await unchanged();
});
