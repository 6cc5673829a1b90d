import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AccessClaim, claimsAll } from './tokens.ts';

const claim = (name: string, actions: string[], type = 'repository'): AccessClaim =>
  ({ type, name, actions }) as AccessClaim;

test('claimsAll: every action must be claimed on exactly that repository', () => {
  const access = [claim('p/a', ['pull']), claim('p/b', ['pull', 'push'])];
  assert.equal(claimsAll(access, 'p/a', ['pull']), true);
  assert.equal(claimsAll(access, 'p/a', ['pull', 'push']), false);
  assert.equal(claimsAll(access, 'p/b', ['pull', 'push']), true);
  assert.equal(claimsAll(access, 'p/c', ['pull']), false);
  assert.equal(claimsAll(access, 'p', ['pull']), false);
});

test('claimsAll: actions may come from several claims of the same repository; other types never count', () => {
  assert.equal(claimsAll([claim('p/a', ['pull']), claim('p/a', ['push'])], 'p/a', ['pull', 'push']), true);
  assert.equal(claimsAll([claim('p/a', ['pull'], 'registry')], 'p/a', ['pull']), false);
  assert.equal(claimsAll([{ type: 'repository', name: 'p/a' } as unknown as AccessClaim], 'p/a', ['pull']), false);
  assert.equal(claimsAll([null as unknown as AccessClaim], 'p/a', ['pull']), false);
});
