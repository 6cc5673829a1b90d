/**
 * Bodies typed by their schemas (issue 22): a wrong type is a 400 naming the
 * field, in Harbor's shape on /api/v2.0 and the console's sign-in, in
 * OAuth2's on the token endpoint's POST and OCI's on its GET, and nothing
 * is stored. Uploads are declared by content type: a bundle sent as JSON or
 * an empty zip is refused before anything is read.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, call, type Reply, type Running, startBerth } from '../access/support.ts';

let r: Running;
before(async () => {
  r = await startBerth();
  const made = await call(r.url, 'POST', '/api/v2.0/projects', {
    auth: ADMIN,
    body: { project_name: 'typed', metadata: { public: 'false' } },
  });
  assert.equal(made.status, 201, made.body);
});
after(() => r?.close());

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(r.url, method, `/api/v2.0${path}`, { auth: ADMIN, body, headers });

/** Harbor's error body: 400, BAD_REQUEST, the field named. */
function refused(res: Reply, field: string) {
  assert.equal(res.status, 400, res.body);
  assert.equal(res.json.errors[0].code, 'BAD_REQUEST', res.body);
  assert.equal(res.json.errors[0].field, field, res.body);
  assert.match(res.json.errors[0].message, new RegExp(field.replace(/[[\]]/g, '\\$&')), res.body);
}

test('console sign-in: wrong types and missing fields are 400s naming the field; no session is opened', async () => {
  for (const [body, field] of [
    [{ username: 5, password: 'x' }, 'username'],
    [{ username: 'admin' }, 'password'],
    [{ password: 'x' }, 'username'],
    [{ username: 'admin', password: ['Harbor12345'] }, 'password'],
  ] as const) {
    const res = await call(r.url, 'POST', '/c/login', { body });
    refused(res, field);
    assert.deepEqual(res.headers.getSetCookie(), [], 'no cookie');
  }
  // Harbor's form still signs in.
  const form = await call(r.url, 'POST', '/c/login', {
    raw: 'principal=admin&password=Harbor12345',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 200, form.body);
  assert.equal(form.json.username, 'admin');
});

test('token endpoint: the OAuth2 POST answers invalid_request naming the field; GET answers in OCI shape', async () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    call(r.url, 'POST', '/service/token', { raw: body, headers: { 'content-type': type } });
  const noPassword = await post('grant_type=password&username=admin');
  assert.equal(noPassword.status, 400, noPassword.body);
  assert.equal(noPassword.json.error, 'invalid_request');
  assert.match(noPassword.json.error_description, /^password: is required/);
  const noGrant = await post('username=admin&password=Harbor12345');
  assert.equal(noGrant.json.error, 'invalid_request');
  assert.match(noGrant.json.error_description, /^grant_type/);
  const wrongType = await post(
    JSON.stringify({ grant_type: 'password', username: ['admin'], password: 'Harbor12345' }),
    'application/json',
  );
  assert.equal(wrongType.status, 400, wrongType.body);
  assert.match(wrongType.json.error_description, /^username: must be string/);
  assert.equal(wrongType.json.access_token, undefined);
  // Unchanged: another grant is RFC 6749's unsupported_grant_type; the password grant issues a token.
  assert.equal((await post('grant_type=refresh_token&refresh_token=x')).json.error, 'unsupported_grant_type');
  const ok = await post('grant_type=password&username=admin&password=Harbor12345&scope=repository:typed/app:pull');
  assert.equal(ok.status, 200, ok.body);
  assert.ok(ok.json.access_token);

  const get = await call(r.url, 'GET', `/service/token?service=berth&account=${'a'.repeat(300)}`);
  assert.equal(get.status, 400, get.body);
  assert.equal(get.json.errors[0].detail.field, 'account');
  // Repeated scopes are still each granted.
  const two = await call(r.url, 'GET', '/service/token?scope=repository:typed/a:pull&scope=repository:typed/b:pull', {
    auth: ADMIN,
  });
  assert.equal(two.status, 200, two.body);
  const claims = JSON.parse(Buffer.from(two.json.token.split('.')[1], 'base64url').toString());
  assert.deepEqual(
    claims.access.map((a: { name: string }) => a.name),
    ['typed/a', 'typed/b'],
  );
});

test('replication policies: wrong types name the field and create nothing', async () => {
  for (const [body, field] of [
    [{ name: 5 }, 'name'],
    [{ name: 'p', dest_registry: { id: 'one' } }, 'dest_registry.id'],
    [{ name: 'p', filters: [{ type: 1, value: 'x' }] }, 'filters[0].type'],
    [{ name: 'p', enabled: 'yes' }, 'enabled'],
  ] as const)
    refused(await api('POST', '/replication/policies', body), field);
  assert.deepEqual((await api('GET', '/replication/policies')).json, []);
});

test('webhook policies: wrong types name the field and create nothing', async () => {
  const base = '/projects/typed/webhook/policies';
  for (const [body, field] of [
    [{ name: 'w', targets: [{ address: 5 }], event_types: ['PUSH_ARTIFACT'] }, 'targets[0].address'],
    [{ name: 'w', targets: [{ address: 'http://x' }], event_types: 'PUSH_ARTIFACT' }, 'event_types'],
    [{ name: 'w', targets: [{ address: 'http://x' }], event_types: ['PUSH_ARTIFACT'], enabled: 1 }, 'enabled'],
  ] as const)
    refused(await api('POST', base, body), field);
  assert.deepEqual((await api('GET', base)).json, []);
});

test('scanners and labels: wrong types name the field and change nothing', async () => {
  const before = (await api('GET', '/scanners')).json.length;
  refused(await api('POST', '/scanners', { name: 's', url: 5 }), 'url');
  refused(await api('POST', '/scanners', { name: 's', url: 'http://x', skip_certVerify: 'no' }), 'skip_certVerify');
  assert.equal((await api('GET', '/scanners')).json.length, before);

  refused(await api('POST', '/labels', { name: 5 }), 'name');
  refused(await api('POST', '/labels', { name: 'l', project_id: 'typed', scope: 'p' }), 'project_id');
  // The service's own rules answer the same way.
  refused(await api('POST', '/labels', { name: 'l', color: 'red' }), 'color');
  assert.deepEqual((await api('GET', '/labels?scope=g')).json, []);
  const made = await api('POST', '/labels', { name: 'kept', color: '#00aa00' });
  assert.equal(made.status, 201, made.body);
  const id = made.headers.get('location')?.split('/').pop();
  refused(await api('PUT', `/labels/${id}`, { color: 7 }), 'color');
  refused(await api('PUT', `/labels/${id}`, { color: '#zzz' }), 'color');
  assert.equal((await api('GET', `/labels/${id}`)).json.color, '#00aa00', 'unchanged');
  refused(await api('POST', '/projects/typed/repositories/app/artifacts/v1/labels', { id: 'kept' }), 'id');
});

test('uploads: the vuln-db takes OSV JSON or zip bytes; a bundle only as a tar; anything else is refused first', async () => {
  refused(await api('POST', '/vuln-db', { format: 'osv', entries: 'all' }), 'entries');
  refused(await api('POST', '/vuln-db', { format: 'nvd', entries: [] }), 'format');
  const empty = await call(r.url, 'POST', '/api/v2.0/vuln-db', {
    auth: ADMIN,
    raw: '',
    headers: { 'content-type': 'application/zip' },
  });
  assert.equal(empty.status, 400, empty.body);
  assert.equal((await api('GET', '/vuln-db')).json.records, 0, 'nothing imported');

  const asJson = await api('POST', '/bundles/import?project=typed', { images: [] });
  refused(asJson, 'content-type');
  assert.equal((await api('GET', '/projects/typed/repositories')).json.length, 0, 'nothing imported');
  const asText = await call(r.url, 'POST', '/api/v2.0/bundles/import', {
    auth: ADMIN,
    raw: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  refused(asText, 'content-type');
});
