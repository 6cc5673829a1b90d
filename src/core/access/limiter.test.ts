import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginLimiter } from './limiter.ts';

test('failures per address and account, forgotten after the window', () => {
  let now = 1_000_000;
  const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('10.0.0.1', 'ann'), 0);
    limiter.fail('10.0.0.1', 'ann');
    now += 1000;
  }
  // the oldest of the 3 failures leaves the window 60 s after it happened: 57 s from now
  assert.equal(limiter.retryAfter('10.0.0.1', 'ann'), 57);
  assert.equal(limiter.retryAfter('10.0.0.2', 'ann'), 0, 'another address');
  assert.equal(limiter.retryAfter('10.0.0.1', 'bob'), 0, 'another account');
  now += 57_000;
  assert.equal(limiter.retryAfter('10.0.0.1', 'ann'), 0);
});

test('one address trying many accounts is stopped at 5 × the limit', () => {
  const now = 0;
  const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 10; i++) limiter.fail('10.0.0.9', `user${i}`);
  assert.ok(limiter.retryAfter('10.0.0.9', 'fresh') > 0);
  assert.equal(limiter.retryAfter('10.0.0.8', 'fresh'), 0);
});

test('a success clears the account count', () => {
  const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000 });
  limiter.fail('a', 'u');
  limiter.succeed('a', 'u');
  limiter.fail('a', 'u');
  assert.equal(limiter.retryAfter('a', 'u'), 0);
});

test('memory is bounded without a wholesale reset: a source cycling names stays locked', () => {
  const now = 0;
  const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, now: () => now, maxEntries: 1_000 });
  limiter.fail('10.0.0.7', 'victim');
  limiter.fail('10.0.0.7', 'victim');
  for (let i = 0; i < 5_000; i++) limiter.fail('10.6.6.6', `name${i}`);
  assert.ok(limiter.size <= 1_000, `${limiter.size} counters`);
  assert.ok(limiter.retryAfter('10.6.6.6', 'another-name') > 0, 'the attacker did not unlock himself');
});
