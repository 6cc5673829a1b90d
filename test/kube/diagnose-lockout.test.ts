/**
 * Diagnosing a pull secret with a wrong password against this Berth must not
 * lock the account out: Berth's own diagnosis logins carry a signature bound to
 * the credentials tried, and the gate does not count them. Anyone else's
 * failures still count.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PROBE_HEADER } from '../../src/http/access/gate.ts';
import {
  ADMIN,
  api,
  basic,
  call,
  createProject,
  createUser,
  pushImage,
  type Running,
  startBerth,
} from '../access/support.ts';

let r: Running;
before(async () => {
  r = await startBerth({ BERTH_LOGIN_MAX_FAILURES: '2', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' });
  await createProject(r, 'team', false);
  await createUser(r, 'puller');
  await api(r, 'POST', '/projects/team/members', {
    auth: ADMIN,
    body: { role_id: 3, member_user: { username: 'puller' } },
  });
  await pushImage(r, 'team/app', '1.0', ADMIN);
});
after(() => r.close());

test('diagnoses with a wrong password do not count toward the lockout; other failures do', async () => {
  const made = await api(r, 'POST', '/kube/connections', {
    auth: ADMIN,
    body: { name: 'self', type: 'berth', address: r.url, username: 'puller', password: 'Wrong-pass-1' },
  });
  assert.equal(made.status, 201, made.body);
  for (let i = 0; i < 4; i++) {
    const d = await api(r, 'POST', '/kube/diagnose', {
      auth: ADMIN,
      body: { connection_id: made.json.id, image: `${r.host}/team/app:1.0` },
    });
    assert.equal(d.json.code, 'WRONG_CREDENTIALS', d.body);
  }
  // Still not locked: the right password works.
  const ok = await call(r.url, 'GET', '/service/token?service=berth&scope=repository:team/app:pull', {
    auth: basic('puller', 'Passw0rdX'),
  });
  assert.equal(ok.status, 200, ok.body);
  // The signature is bound to the credentials: replayed with another password it is not honoured.
  const sig = 'x'.repeat(43);
  for (let i = 0; i < 2; i++) {
    const bad = await call(r.url, 'GET', '/service/token?service=berth', {
      auth: basic('puller', `guess-${i}`),
      headers: { [PROBE_HEADER]: sig },
    });
    assert.equal(bad.status, 401);
  }
  const locked = await call(r.url, 'GET', '/service/token?service=berth', { auth: basic('puller', 'Passw0rdX') });
  assert.equal(locked.status, 429);
});
