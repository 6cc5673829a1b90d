import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronError, cronMatches, nextRun, PRESETS, parseCron } from './cron.ts';
import { doublestar } from './immutable.ts';

test('Harbor six-field and classic five-field cron', () => {
  const daily = parseCron(PRESETS.Daily);
  assert.ok(cronMatches(daily, new Date('2026-01-05T00:00:30Z')));
  assert.ok(!cronMatches(daily, new Date('2026-01-05T00:01:00Z')));
  assert.equal(
    nextRun(parseCron('*/15 * * * *'), new Date('2026-01-05T10:07:00Z'))?.toISOString(),
    '2026-01-05T10:15:00.000Z',
  );
  assert.equal(
    nextRun(parseCron('0 0 3 * * 0'), new Date('2026-01-05T10:00:00Z'))?.toISOString(),
    '2026-01-11T03:00:00.000Z',
  );
  for (const bad of ['', '0 61 * * * *', '* * * *', '0 0 0 32 * *', 'a b c d e', '0 0 5-2 * * *'])
    assert.throws(() => parseCron(bad), CronError, bad);
});

test('doublestar patterns', () => {
  assert.ok(doublestar('v*')?.test('v1.2'));
  assert.ok(!doublestar('v*')?.test('x/v1'));
  assert.ok(doublestar('**')?.test('a/b/c'));
  assert.ok(doublestar('{prod,stable}-*')?.test('stable-2'));
  assert.equal(doublestar('{a'), null);
  assert.equal(doublestar('a}'), null);
});
