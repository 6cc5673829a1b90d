import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationRepository, doublestar, PatternError, parseCron } from './patterns.ts';

describe('replication patterns', () => {
  it('matches doublestar patterns like Harbor', () => {
    assert.ok(doublestar('library/**').test('library/a/b'));
    assert.ok(!doublestar('library/*').test('library/a/b'));
    assert.ok(doublestar('library/*').test('library/a'));
    assert.ok(doublestar('**').test('x/y/z'));
    assert.ok(doublestar('v{1,2}.*').test('v2.0'));
    assert.ok(!doublestar('v{1,2}.*').test('v3.0'));
    assert.ok(doublestar('[!a]pp').test('bpp'));
    assert.ok(!doublestar('[!a]pp').test('app'));
    assert.ok(doublestar('a/**/b').test('a/b'));
    assert.throws(() => doublestar('lib/{a'), PatternError);
    assert.throws(() => doublestar('lib/[a'), PatternError);
  });

  it('builds destination names with Harbor’s namespace rule', () => {
    assert.equal(destinationRepository('a/b/c', '', -1), 'a/b/c');
    assert.equal(destinationRepository('a/b/c', 'ns', -1), 'ns/c');
    assert.equal(destinationRepository('a/b/c', 'ns', 0), 'ns/a/b/c');
    assert.equal(destinationRepository('a/b/c', 'ns', 1), 'ns/b/c');
    assert.equal(destinationRepository('a/b/c', 'ns', 3), 'ns');
    assert.equal(destinationRepository('a/b/c', '', 1), 'b/c');
    assert.throws(() => destinationRepository('a/b', 'ns', 3), PatternError);
  });

  it('parses cron with seconds', () => {
    const hourly = parseCron('0 0 * * * *');
    assert.ok(hourly.matches(new Date('2026-01-01T05:00:00Z')));
    assert.ok(!hourly.matches(new Date('2026-01-01T05:00:01Z')));
    const weekdays = parseCron('*/15 30 9 * * 1-5');
    assert.ok(weekdays.matches(new Date('2026-12-07T09:30:45Z'))); // Monday
    assert.ok(!weekdays.matches(new Date('2026-12-06T09:30:45Z'))); // Sunday
    assert.ok(parseCron('0 12 * * *').matches(new Date('2026-03-03T12:00:00Z')));
    assert.throws(() => parseCron('0 0 25 * * *'), PatternError);
    assert.throws(() => parseCron('often'), PatternError);
  });
});
