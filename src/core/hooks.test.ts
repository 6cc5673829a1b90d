import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from './errors.ts';
import { type RegistryEvent, RegistryHooks } from './hooks.ts';

const check = { repository: 'p/r', tag: 't', digest: 'sha256:x', caller: { actor: 'alice' } };

test('guards run in order and the first refusal stops the rest', async () => {
  const hooks = new RegistryHooks();
  const seen: string[] = [];
  hooks.addGuard({ name: 'a', beforeTagDelete: async () => void seen.push('a') });
  hooks.addGuard({
    name: 'b',
    beforeTagDelete: async () => {
      seen.push('b');
      throw new RegistryError('DENIED', 'tag is immutable');
    },
  });
  hooks.addGuard({ name: 'c', beforeTagDelete: async () => void seen.push('c') });
  await assert.rejects(hooks.check('beforeTagDelete', check), /immutable/);
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(hooks.has('beforeManifestPull'), false);
  await hooks.check('beforeManifestPull', { ...check, reference: 't', record: {} as never });
});

test('a failing listener is reported and does not stop the others', async () => {
  const errors: unknown[] = [];
  const hooks = new RegistryHooks((err) => errors.push(err));
  const got: RegistryEvent[] = [];
  hooks.on(() => {
    throw new Error('sync boom');
  });
  hooks.on(async () => {
    throw new Error('async boom');
  });
  hooks.on((e) => void got.push(e));
  assert.equal(hooks.listening, true);
  hooks.emit({ type: 'tag.deleted', repository: 'p/r', tag: 't', digest: 'sha256:x', actor: null, at: 'now' });
  await new Promise((r) => setImmediate(r));
  assert.equal(got.length, 1);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['sync boom', 'async boom'],
  );
});
