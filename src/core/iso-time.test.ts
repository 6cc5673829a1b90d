import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IsoClock } from './iso-time.ts';

test('the ISO string of each millisecond, formatted once per new millisecond', () => {
  const clock = new IsoClock();
  const t = Date.UTC(2026, 11, 7, 6, 30, 0, 123);
  assert.equal(clock.iso(t), '2026-12-07T06:30:00.123Z');
  assert.equal(clock.iso(t), '2026-12-07T06:30:00.123Z');
  assert.equal(clock.iso(t + 1), '2026-12-07T06:30:00.124Z');
  assert.equal(clock.iso(t - 86_400_000), '2026-12-06T06:30:00.123Z', 'a clock going back is formatted too');
});
