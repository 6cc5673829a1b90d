import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candidate } from './ports.ts';
import { checkPolicy, decide, RetentionInputError } from './retention-rules.ts';

const now = new Date('2026-12-07T00:00:00Z');
const day = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
const c = (digest: string, tags: string[], pushed: number, pulled: number | null = null): Candidate => ({
  digest,
  tags,
  pushedAt: day(pushed),
  pulledAt: pulled === null ? null : day(pulled),
});
const policy = (rules: unknown[]) => checkPolicy({ rules }, 1);
const rule = (template: string, n: number | null, pattern = '**', extra: Record<string, unknown> = {}) => ({
  template,
  params: n === null ? {} : { [template]: n },
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern, ...extra }],
});

const kept = (m: Map<string, string[]>) => [...m].filter(([, r]) => r.length > 0).map(([d]) => d);

test('rules are ORed; each template picks its own', () => {
  const cs = [c('a', ['1'], 1, 30), c('b', ['2'], 2, 1), c('d', ['3'], 10), c('e', [], 0)];
  assert.deepEqual(kept(decide(policy([rule('latestPushedK', 1)]).rules, 'app', cs, now)), ['a']);
  assert.deepEqual(kept(decide(policy([rule('latestPulledN', 1)]).rules, 'app', cs, now)), ['b']);
  assert.deepEqual(kept(decide(policy([rule('nDaysSinceLastPush', 5)]).rules, 'app', cs, now)), ['a', 'b']);
  assert.deepEqual(kept(decide(policy([rule('nDaysSinceLastPull', 5)]).rules, 'app', cs, now)), ['b']);
  const or = policy([rule('latestPushedK', 1), rule('always', null, '3')]).rules;
  assert.deepEqual(kept(decide(or, 'app', cs, now)), ['a', 'd']);
  // untagged only with the extra
  const untagged = policy([rule('always', null, '**', { extras: '{"untagged":true}' })]).rules;
  assert.deepEqual(kept(decide(untagged, 'app', cs, now)), ['a', 'b', 'd', 'e']);
});

test('excludes, repository scope and labels', () => {
  const cs = [c('a', ['v1'], 1), c('b', ['dev'], 2)];
  const ex = policy([{ ...rule('always', null), tag_selectors: [{ decoration: 'excludes', pattern: 'dev' }] }]).rules;
  assert.deepEqual(kept(decide(ex, 'app', cs, now)), ['a']);
  const scoped = policy([
    { ...rule('always', null), scope_selectors: { repository: [{ decoration: 'repoMatches', pattern: 'web/**' }] } },
  ]).rules;
  assert.deepEqual(kept(decide(scoped, 'app', cs, now)), []);
  assert.deepEqual(kept(decide(scoped, 'web/x', cs, now)), ['a', 'b']);
  const labelled = policy([
    {
      ...rule('always', null),
      tag_selectors: [{ pattern: '**' }, { kind: 'label', decoration: 'withLabels', pattern: 'keep' }],
    },
  ]).rules;
  assert.deepEqual(kept(decide(labelled, 'app', cs, now, new Map([['b', ['keep']]]))), ['b']);
  assert.deepEqual(kept(decide(labelled, 'app', cs, now)), []);
});

test('bad input names the field', () => {
  const field = (body: Record<string, unknown>) => {
    try {
      checkPolicy(body, 1);
    } catch (err) {
      if (err instanceof RetentionInputError) return err.field;
      throw err;
    }
    return null;
  };
  assert.equal(field({ rules: [rule('latestPushedK', 1.5)] }), 'rules[0].params.latestPushedK');
  assert.equal(field({ rules: [{ ...rule('always', null), tag_selectors: [] }] }), 'rules[0].tag_selectors');
  assert.equal(field({ rules: [rule('always', null, '**', { extras: 'nope' })] }), 'rules[0].tag_selectors[0].extras');
  assert.equal(field({ rules: [rule('always', null, '**', { kind: 'regex' })] }), 'rules[0].tag_selectors[0].kind');
  assert.equal(
    field({ rules: [], trigger: { kind: 'Schedule', settings: { cron: '* * *' } } }),
    'trigger.settings.cron',
  );
  assert.equal(field({ rules: [] }), null);
});
