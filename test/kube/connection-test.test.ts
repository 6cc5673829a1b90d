import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OutboundPolicy } from '../../src/core/outbound.ts';
import { testConnection } from '../../src/features/kube/connection-test.ts';
import type { RegistryConnection } from '../../src/features/kube/connections.ts';
import { TestRegistry } from './test-registry.ts';

/** The test registries listen on loopback. */
const loopback = { outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']) };

const users = { ci: { password: 'pw', pull: ['team/app'] } };
const repositories = { 'team/app': ['1.0'], 'team/secret': ['1'] };

describe('test connection', () => {
  const bearer = new TestRegistry({ auth: 'bearer', users, repositories });
  const basic = new TestRegistry({ auth: 'basic', users, repositories });
  const web = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>not here</h1>');
  });
  let webUrl = '';
  let closedUrl = '';

  const conn = (address: string, password = 'pw'): RegistryConnection => ({
    name: 'c',
    type: 'oci',
    address,
    username: 'ci',
    password,
  });
  const steps = (r: { checks: Array<{ step: string; ok: boolean }> }) => r.checks.map((c) => `${c.step}:${c.ok}`);

  before(async () => {
    await Promise.all([bearer.start(), basic.start()]);
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
  });
  after(async () => {
    web.closeAllConnections();
    await new Promise<void>((r) => web.close(() => r()));
    await Promise.all([bearer.stop(), basic.stop()]);
  });

  for (const [label, registry] of [
    ['token auth', bearer],
    ['basic auth', basic],
  ] as const) {
    it(`${label}: every step passes with good credentials and a pullable tag`, async () => {
      const r = await testConnection(conn(registry.url), { ...loopback, repository: 'team/app', reference: '1.0' });
      assert.deepEqual(steps(r), ['reachable:true', 'registry-api:true', 'credentials:true', 'pull:true']);
      assert.ok(r.ok);
    });

    it(`${label}: wrong password stops at credentials`, async () => {
      const r = await testConnection(conn(registry.url, 'nope'), { ...loopback, repository: 'team/app' });
      assert.deepEqual(steps(r), ['reachable:true', 'registry-api:true', 'credentials:false']);
      assert.match(r.checks[2]!.message, /refused the username and password/);
      assert.ok(!r.ok);
    });

    it(`${label}: a repository the user may not pull fails the pull step`, async () => {
      const r = await testConnection(conn(registry.url), { ...loopback, repository: 'team/secret' });
      assert.deepEqual(steps(r), ['reachable:true', 'registry-api:true', 'credentials:true', 'pull:false']);
    });
  }

  it('without a repository, checks only reachability, API and credentials', async () => {
    const r = await testConnection(conn(bearer.url), loopback);
    assert.deepEqual(steps(r), ['reachable:true', 'registry-api:true', 'credentials:true']);
  });

  it('a missing tag fails the pull step with 404', async () => {
    const r = await testConnection(conn(bearer.url), { ...loopback, repository: 'team/app', reference: '9.9' });
    assert.match(r.checks[3]!.message, /no manifest "9\.9" \(HTTP 404\)/);
  });

  it('a web server that is not a registry fails the registry-api step', async () => {
    const r = await testConnection(conn(webUrl), loopback);
    assert.deepEqual(steps(r), ['reachable:true', 'registry-api:false']);
    assert.match(r.checks[1]!.message, /answered HTTP 404; this does not look like a registry API/);
  });

  it('nothing listening fails the reachable step', async () => {
    const r = await testConnection(conn(closedUrl), loopback);
    assert.deepEqual(steps(r), ['reachable:false']);
    assert.match(r.checks[0]!.message, /refused the connection/);
  });
});
