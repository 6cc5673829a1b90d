/** BERTH_AUTH=off: open access, as other suites rely on; and the auth settings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/server/config.ts';
import { api, call, pushImage, startBerth } from './support.ts';

test('auth off: anonymous push and pull, no challenge, API open', async () => {
  const r = await startBerth({ BERTH_AUTH: 'off' });
  try {
    await pushImage(r, 'anything/app', 'v1');
    assert.equal((await call(r.url, 'GET', '/v2/')).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/anything/app/manifests/v1')).status, 200);
    assert.deepEqual((await call(r.url, 'GET', '/v2/_catalog')).json.repositories, ['anything/app']);
    assert.equal((await call(r.url, 'GET', '/service/token')).status, 404);
    assert.equal((await api(r, 'POST', '/projects', { body: { project_name: 'open' } })).status, 201);
    // no admin is created either
    assert.equal(await r.berth.access.store.userByName('admin'), null);
  } finally {
    await r.close();
  }
});

test('config: auth is on unless BERTH_AUTH=off or --no-auth', () => {
  assert.equal(loadConfig({ env: {} }).auth.enabled, true);
  for (const off of ['off', 'false', '0', 'no', 'OFF'])
    assert.equal(loadConfig({ env: { BERTH_AUTH: off } }).auth.enabled, false);
  assert.equal(loadConfig({ env: { BERTH_AUTH: 'on' } }).auth.enabled, true);
  assert.equal(loadConfig({ env: {}, overrides: { 'auth.enabled': 'false' } }).auth.enabled, false);
  assert.throws(() => loadConfig({ env: { BERTH_AUTH: 'maybe' } }), /auth\.enabled \(from BERTH_AUTH\)/);
  assert.equal(loadConfig({ env: { BERTH_ADMIN_PASSWORD: 'Secret123' } }).auth.admin_password, 'Secret123');
  assert.throws(() => loadConfig({ env: { BERTH_LDAP_URL: 'ldap://x' } }), /auth\.ldap\.base_dn/);
  assert.throws(() => loadConfig({ env: { BERTH_OIDC_ISSUER: 'https://x' } }), /auth\.oidc\.client_id/);
  assert.throws(() => loadConfig({ env: { BERTH_TOKEN_TTL: '0' } }), /auth\.token_ttl/);
});

test('first start with no BERTH_ADMIN_PASSWORD: a generated admin password, handed over once and never logged', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const pino = (await import('pino')).default;
  const { buildApp } = await import('../../src/server/app.ts');
  const dir = await mkdtemp(join(tmpdir(), 'berth-admin-'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
  const config = loadConfig({ env: { BERTH_DATA: dir, BERTH_LOG_LEVEL: 'info' } });
  try {
    const first = await buildApp(config, log);
    await first.close();
    // `serve` prints it as a banner once listening (test/access/cli.test.ts); the log never holds it.
    const password = first.generatedAdminPassword as string;
    assert.ok(password.length >= 20);
    assert.ok(!lines.some((l) => l.includes(password)), 'not in the log');
    assert.equal(lines.filter((l) => /created the admin account/.test(l)).length, 1);
    const second = await buildApp(config, log);
    const address = await second.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      assert.equal(second.generatedAdminPassword, null, 'generated only once');
      const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      assert.equal((await call(address, 'GET', '/v2/', { auth })).status, 200);
      assert.equal((await call(address, 'GET', '/v2/')).status, 401);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
