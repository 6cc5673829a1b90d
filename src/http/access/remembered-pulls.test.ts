import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity } from './gate.ts';
import { RememberedPulls } from './remembered-pulls.ts';

const user = { kind: 'user', id: 1, name: 'u', sysadmin: false } as Identity['principal'];
const identity = (expiresAt: number): Identity => ({ principal: user, via: 'bearer', claims: [], expiresAt });
const caller = { actor: 'u' };

test('a remembered pull lasts until the ttl, the token expiry or a change of the store, whichever comes first', () => {
  let now = 1_000_000;
  let mark = 1;
  const pulls = new RememberedPulls(() => mark, { ttlMs: 2_000, now: () => now });
  pulls.remember('Bearer a', 'p/r', identity(now + 60_000), caller, pulls.mark());
  assert.equal(pulls.recall('Bearer a', 'p/r')?.caller, caller);
  assert.equal(pulls.recall('Bearer a', 'p/other'), undefined, 'per repository');
  now += 2_000;
  assert.equal(pulls.recall('Bearer a', 'p/r'), undefined, 'ttl');

  pulls.remember('Bearer b', 'p/r', identity(now + 500), caller, pulls.mark());
  now += 500;
  assert.equal(pulls.recall('Bearer b', 'p/r'), undefined, 'token expiry');

  pulls.remember('Bearer c', 'p/r', identity(now + 60_000), caller, pulls.mark());
  mark = 2;
  assert.equal(pulls.recall('Bearer c', 'p/r'), undefined, 'a write to the store');
});

test('a decision the store changed under is not remembered; nor are anonymous or scanner identities', () => {
  let mark = 1;
  const pulls = new RememberedPulls(() => mark);
  const before = pulls.mark();
  mark = 2;
  pulls.remember('Bearer a', 'p/r', identity(Date.now() + 60_000), caller, before);
  assert.equal(pulls.recall('Bearer a', 'p/r'), undefined);
  pulls.remember('', 'p/r', { principal: user, via: 'none' }, caller, pulls.mark());
  assert.equal(pulls.recall('', 'p/r'), undefined);
  pulls.remember('Basic x', 'p/r', { principal: user, via: 'basic' }, caller, pulls.mark());
  assert.equal(pulls.recall('Basic x', 'p/r')?.caller, caller, 'Basic: until the ttl or a change of the store');
  pulls.remember('Bearer s', 'p/r', { ...identity(Date.now() + 60_000), inspection: true }, caller, pulls.mark());
  assert.equal(pulls.recall('Bearer s', 'p/r'), undefined);
});

test('stores without a change mark remember nothing', () => {
  const pulls = new RememberedPulls(() => Symbol());
  pulls.remember('Bearer a', 'p/r', identity(Date.now() + 60_000), caller, pulls.mark());
  assert.equal(pulls.recall('Bearer a', 'p/r'), undefined);
});
