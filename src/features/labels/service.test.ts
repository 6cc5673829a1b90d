import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refusal } from '../../core/access/refusal.ts';
import { LabelService } from './service.ts';
import type { Label, LabelInput, LabelStore } from './store.ts';

/** The store calls a service makes, recorded; names unique per scope and project as the adapters keep them. */
function memoryStore() {
  const labels: Label[] = [];
  const attached = new Set<string>();
  const calls: string[] = [];
  const store: Partial<LabelStore> = {
    async create(input: LabelInput) {
      calls.push(`create ${input.name}`);
      if (labels.some((l) => l.name === input.name && l.scope === input.scope && l.projectId === input.projectId))
        return null;
      const label = { ...input, id: labels.length + 1, createdAt: '', updatedAt: '' };
      labels.push(label);
      return label;
    },
    get: async (id) => labels.find((l) => l.id === id) ?? null,
    async attach(repository, digest, id) {
      calls.push(`attach ${repository} ${id}`);
      const key = `${repository}@${digest}#${id}`;
      if (attached.has(key)) return false;
      attached.add(key);
      return true;
    },
  };
  return { service: new LabelService(store as LabelStore), calls };
}

const refusal = (kind: string, field?: string) => (err: unknown) =>
  err instanceof Refusal && err.kind === kind && err.field === field;

test('a label is checked before anything is stored: name, project, colour; a taken name is a conflict', async () => {
  const { service, calls } = memoryStore();
  await assert.rejects(service.create({ color: '#fff' }), refusal('invalid', 'name'));
  await assert.rejects(service.create({ name: 'qa', scope: 'p' }), refusal('invalid', 'project_id'));
  await assert.rejects(service.create({ name: 'qa', color: 'red' }), refusal('invalid', 'color'));
  assert.deepEqual(calls, [], 'nothing reached the store');
  const made = await service.create({ name: 'qa', color: '#00aa00' });
  assert.deepEqual([made.scope, made.projectId, made.description], ['g', 0, '']);
  await assert.rejects(service.create({ name: 'qa' }), refusal('conflict'));
});

test("a project's label goes only on that project's artifacts; twice is a conflict", async () => {
  const { service, calls } = memoryStore();
  const own = await service.create({ name: 'team-only', scope: 'p', projectId: 7 });
  const other = { repository: 'other/app', digest: 'sha256:1', projectId: 8 };
  await assert.rejects(service.attach(other, own.id), refusal('invalid', 'id'));
  assert.ok(!calls.some((c) => c.startsWith('attach')), 'not attached');
  const team = { repository: 'team/app', digest: 'sha256:1', projectId: 7 };
  await service.attach(team, own.id);
  await assert.rejects(service.attach(team, own.id), refusal('conflict'));
  await assert.rejects(service.attach(team, 99), refusal('notFound'));
});
