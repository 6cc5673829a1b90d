import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelReader } from './ports.ts';
import type { Label, LabelStore } from './store.ts';

const D = `sha256:${'a'.repeat(64)}`;
const label = (id: number, name: string, scope: 'g' | 'p'): Label => ({
  id,
  name,
  description: '',
  color: '',
  scope,
  projectId: scope === 'p' ? 1 : 0,
  createdAt: '',
  updatedAt: '',
});

test('labelsOf: Harbor labels then derived ones, by name; labelNamesOf without repeats', async () => {
  const store = {
    attached: async (repository: string, digests: string[]) =>
      new Map(
        repository === 'team/app' && digests.includes(D) ? [[D, [label(3, 'prod', 'g'), label(4, 'qa', 'p')]]] : [],
      ),
  } as unknown as LabelStore;
  const reader = labelReader(store, async (digest) => (digest === D ? ['os:debian-12', 'prod'] : []));
  assert.deepEqual(await reader.labelsOf({ repository: 'team/app', digest: D }), [
    { name: 'prod', derived: false, id: 3, scope: 'g' },
    { name: 'qa', derived: false, id: 4, scope: 'p' },
    { name: 'os:debian-12', derived: true, id: null, scope: 'derived' },
    { name: 'prod', derived: true, id: null, scope: 'derived' },
  ]);
  assert.deepEqual(await reader.labelNamesOf({ repository: 'team/app', digest: D }), ['prod', 'qa', 'os:debian-12']);
  assert.deepEqual(await labelReader(store).labelsOf({ repository: 'team/other', digest: D }), []);
});
