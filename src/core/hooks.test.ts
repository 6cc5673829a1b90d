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
  await assert.rejects(async () => hooks.check('beforeTagDelete', check), /immutable/);
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

test('a listener named for some event types gets only those; a pull with no one asking builds nothing', () => {
  const hooks = new RegistryHooks();
  const pushes: string[] = [];
  const all: string[] = [];
  hooks.on((e) => void pushes.push(e.type), ['manifest.pushed']);
  assert.equal(hooks.listensTo('manifest.pulled'), false);
  assert.equal(hooks.listensTo('manifest.pushed'), true);
  const pulled = {
    type: 'manifest.pulled',
    repository: 'p/r',
    digest: 'sha256:x',
    tag: 't',
    actor: null,
    at: 'now',
  } as const;
  hooks.emit(pulled);
  assert.deepEqual(pushes, []);
  hooks.on((e) => void all.push(e.type));
  assert.equal(hooks.listensTo('manifest.pulled'), true);
  hooks.emit(pulled);
  hooks.emit({ ...pulled, type: 'manifest.pushed', previous: null, mediaType: 'x', subject: null, size: 1 });
  assert.deepEqual(pushes, ['manifest.pushed']);
  assert.deepEqual(all, ['manifest.pulled', 'manifest.pushed']);
});
