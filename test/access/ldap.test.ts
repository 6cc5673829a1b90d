/** LDAP logins against Debian's slapd, started here. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LdapDirectory } from '../../src/adapters/ldap/ldap-directory.ts';
import { available, BASE, ROOT_DN, ROOT_PW, type Slapd, startSlapd } from './slapd.ts';
import {
  ADMIN,
  addMember,
  api,
  basic,
  call,
  createProject,
  pushImage,
  type Running,
  startBerth,
  token,
} from './support.ts';

describe('LDAP', { skip: available() ? false : 'apt packages slapd and ldap-utils are not installed' }, () => {
  let slapd: Slapd;
  let r: Running;
  before(async () => {
    slapd = await startSlapd([
      { uid: 'lena', password: 'LenaPass1', mail: 'lena@berth.test', cn: 'Lena Ldap' },
      { uid: 'omar', password: 'OmarPass1', mail: 'omar@berth.test', cn: 'Omar' },
      { uid: 'pia', password: 'PiaLdap1', mail: 'pia@berth.test', cn: 'Pia' },
    ]);
    r = await startBerth({
      BERTH_LDAP_URL: slapd.url,
      BERTH_LDAP_BIND_DN: ROOT_DN,
      BERTH_LDAP_BIND_PASSWORD: ROOT_PW,
      BERTH_LDAP_BASE_DN: `ou=people,${BASE}`,
      BERTH_LDAP_FILTER: '(objectClass=inetOrgPerson)',
    });
  });
  after(async () => {
    await r?.close();
    await slapd?.stop();
  });

  test('the directory checks passwords and refuses injection and empty passwords', async () => {
    const dir = new LdapDirectory({ url: slapd.url, bindDn: ROOT_DN, bindPassword: ROOT_PW, baseDn: BASE });
    const lena = await dir.verify('lena', 'LenaPass1');
    assert.deepEqual(lena, {
      username: 'lena',
      email: 'lena@berth.test',
      realname: 'Lena Ldap',
      externalId: `uid=lena,ou=people,${BASE}`,
    });
    assert.equal(await dir.verify('lena', 'wrong'), null);
    assert.equal(await dir.verify('lena', ''), null);
    assert.equal(await dir.verify('*', 'LenaPass1'), null);
    assert.equal(await dir.verify('lena)(uid=*', 'LenaPass1'), null);
    assert.equal(await dir.verify('nobody', 'LenaPass1'), null);
  });

  test('an LDAP user logs in to the registry, gets an account, and gets roles in Berth', async () => {
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('lena', 'LenaPass1') })).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('lena', 'nope') })).status, 401);
    const users = await api(r, 'GET', '/users?username=lena', { auth: ADMIN });
    assert.equal(users.json.length, 1);
    assert.equal(users.json[0].email, 'lena@berth.test');
    assert.equal(users.json[0].auth_source, 'ldap');
    await createProject(r, 'dir');
    assert.equal(
      (await call(r.url, 'POST', '/v2/dir/app/blobs/uploads/', { auth: basic('lena', 'LenaPass1') })).status,
      403,
    );
    await addMember(r, 'dir', 'lena', 2);
    await pushImage(r, 'dir/app', 'v1', basic('lena', 'LenaPass1'));
    const t = await token(r, ['repository:dir/app:pull'], basic('omar', 'OmarPass1'));
    assert.ok(t);
    // no local password for LDAP users
    const id = users.json[0].user_id;
    const change = await api(r, 'PUT', `/users/${id}/password`, {
      auth: basic('lena', 'LenaPass1'),
      body: { old_password: 'LenaPass1', new_password: 'Other1pass' },
    });
    assert.equal(change.status, 400);
  });

  test('an LDAP login never enters a local account of the same name', async () => {
    // a local "pia" exists before pia ever logs in through LDAP
    assert.equal(
      (await api(r, 'POST', '/users', { auth: ADMIN, body: { username: 'pia', password: 'LocalPia1' } })).status,
      201,
    );
    // LDAP matches uid case-insensitively: "PIA" finds uid=pia, but Berth's "pia" is a local account
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('PIA', 'PiaLdap1') })).status, 401);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('pia', 'PiaLdap1') })).status, 401);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('pia', 'LocalPia1') })).status, 200);
    const users = await api(r, 'GET', '/users?username=pia', { auth: ADMIN });
    assert.deepEqual(
      users.json.map((u: { username: string }) => u.username),
      ['pia'],
    );
  });

  test('a directory that is down refuses logins (401), it does not fail (500)', async () => {
    const down = await startBerth({ BERTH_LDAP_URL: 'ldap://127.0.0.1:1', BERTH_LDAP_BASE_DN: BASE });
    try {
      const res = await call(down.url, 'GET', '/v2/', { auth: basic('lena', 'LenaPass1') });
      assert.equal(res.status, 401);
      assert.equal((await call(down.url, 'GET', '/v2/', { auth: ADMIN })).status, 200);
    } finally {
      await down.close();
    }
  });
});
