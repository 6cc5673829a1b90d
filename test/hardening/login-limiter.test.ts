/**
 * Issue 14: the login limiter counts the real client (X-Forwarded-For from a
 * trusted proxy only), so one source's lockout does not lock out another.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressSet } from '../../src/core/outbound.ts';
import { clientAddressVia } from '../../src/http/client-address.ts';
import { ADMIN, api, basic, startBerth } from '../access/support.ts';

describe('login limiter behind a reverse proxy', () => {
  it('locks out the brute-forcer, not every user behind the same proxy', async () => {
    const r = await startBerth({ BERTH_TRUSTED_PROXIES: '127.0.0.0/8,::1', BERTH_LOGIN_MAX_FAILURES: '3' });
    try {
      const as = (client: string, auth: string) =>
        api(r, 'GET', '/users/current', { auth, headers: { 'x-forwarded-for': client } });
      // 20 failures over many names from one source: over both limits (3 per account, 15 per source).
      for (let i = 0; i < 20; i++) await as('203.0.113.9', basic(`admin${i % 4 ? i : ''}`, 'wrong'));
      assert.equal((await as('203.0.113.9', ADMIN)).status, 429);
      // Another client behind the same proxy still logs in.
      assert.equal((await as('198.51.100.20', ADMIN)).status, 200);
      // A spoofed header from the client through the proxy: the proxy appends the real address, which counts.
      assert.equal((await as('198.51.100.20, 203.0.113.9', ADMIN)).status, 429);
    } finally {
      await r.close();
    }
  });

  it('without trusted proxies, X-Forwarded-For is not believed (no unlocking by writing a header)', async () => {
    const r = await startBerth({ BERTH_LOGIN_MAX_FAILURES: '2' });
    try {
      for (let i = 0; i < 3; i++)
        await api(r, 'GET', '/users/current', {
          auth: basic('admin', 'wrong'),
          headers: { 'x-forwarded-for': `192.0.2.${i}` },
        });
      const res = await api(r, 'GET', '/users/current', { auth: ADMIN, headers: { 'x-forwarded-for': '192.0.2.77' } });
      assert.equal(res.status, 429);
    } finally {
      await r.close();
    }
  });

  it('reads the chain from the right, stopping at the first untrusted hop', () => {
    const trusted = AddressSet.parse(['10.0.0.0/8', '::1']);
    assert.equal(clientAddressVia(trusted, '10.0.0.5', '1.1.1.1, 2.2.2.2, 10.0.0.4'), '2.2.2.2');
    assert.equal(clientAddressVia(trusted, '::ffff:10.0.0.5', '2.2.2.2'), '2.2.2.2');
    assert.equal(clientAddressVia(trusted, '192.0.2.1', '2.2.2.2'), '192.0.2.1');
    assert.equal(clientAddressVia(AddressSet.parse([]), '10.0.0.5', '2.2.2.2'), '10.0.0.5');
  });
});
