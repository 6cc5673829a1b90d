/**
 * The replication and webhook stores on both dialects (SQLite and a
 * throwaway PostgreSQL database): ids, counts, JSON columns, the attempt
 * logs, blob homes and the once-across-nodes schedule claim.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { PostgresStore } from '../../src/adapters/metadata/postgres.ts';
import { KyselyReplicationStore } from '../../src/adapters/metadata/replication-store.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { KyselyWebhookStore } from '../../src/adapters/metadata/webhooks-store.ts';
import { createTestDatabase } from '../support/postgres.ts';

const dialects: [string, () => Promise<{ a: KyselyStore; b: KyselyStore; cleanup(): Promise<void> }>][] = [
  [
    'sqlite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'berth-repl-store-'));
      const a = await SqliteStore.open(join(dir, 'berth.db'));
      return {
        a,
        b: a,
        cleanup: async () => {
          await a.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'postgres',
    async () => {
      const db = await createTestDatabase();
      const a = await PostgresStore.open({ url: db.url });
      const b = await PostgresStore.open({ url: db.url });
      return {
        a,
        b,
        cleanup: async () => {
          await a.close();
          await b.close();
          await db.drop();
        },
      };
    },
  ],
];

for (const [dialect, open] of dialects) {
  describe(`replication and webhook stores on ${dialect}`, () => {
    it('keeps policies, executions, tasks, homes and schedule claims', async () => {
      const { a, b, cleanup } = await open();
      try {
        const store = KyselyReplicationStore.over(a.db);
        const other = KyselyReplicationStore.over(b.db);
        const policy = {
          name: 'p',
          description: '',
          srcRegistryId: null,
          destRegistryId: 3,
          destNamespace: 'ns',
          destNamespaceReplaceCount: -1,
          filters: [{ type: 'name' as const, value: 'a/**', decoration: 'matches' as const }],
          trigger: { type: 'scheduled' as const, cron: '0 * * * * *' },
          replicateDeletion: true,
          override: false,
          enabled: true,
          speed: -1,
          copyByChunk: true,
        };
        const id = await store.createPolicy(policy);
        const got = await store.policy(id);
        assert.deepEqual(
          { ...got, id: 0, createdAt: '', updatedAt: '' },
          { ...policy, id: 0, createdAt: '', updatedAt: '' },
        );
        assert.equal((await store.policyByName('p'))?.id, id);
        const execution = await store.createExecution(id, 'manual');
        assert.equal(await store.hasActiveExecution(id), true);
        const [t1, t2] = await store.addTasks(execution, [
          { operation: 'copy', resourceType: 'image', srcResource: 'a/b:1', dstResource: 'ns/b:1' },
          { operation: 'copy', resourceType: 'image', srcResource: 'a/b:2', dstResource: 'ns/b:2' },
        ]);
        await store.updateTask(t1!, { status: 'Succeed', addBytes: 5_000_000_000, logLine: 'one', ended: true });
        await store.updateTask(t1!, {
          logLine: 'two',
          checkpoint: { digest: 'sha256:x', location: 'http://h/u', offset: 8 },
        });
        const task = await store.task(t1!);
        assert.equal(task?.bytes, 5_000_000_000);
        assert.match(task?.log ?? '', /one\n.*two\n$/);
        assert.deepEqual(task?.checkpoint, { digest: 'sha256:x', location: 'http://h/u', offset: 8 });
        let e = await store.settleExecution(execution, null);
        assert.deepEqual([e?.total, e?.succeed, e?.inProgress, e?.bytes], [2, 1, 1, 5_000_000_000]);
        await store.stopTasks(execution);
        assert.equal((await store.task(t2!))?.status, 'Stopped');
        e = await store.settleExecution(execution, 'Stopped');
        assert.equal(e?.stopped, 1);
        assert.ok(e?.endTime);
        const listed = await store.executions({ policyId: id, status: 'Stopped' }, { offset: 0, limit: 10 });
        assert.equal(listed.total, 1);
        assert.equal((await store.tasks(execution, { status: 'Succeed' }, { offset: 0, limit: 10 })).total, 1);

        await store.setBlobHome('registry:3', 'sha256:x', 'ns/one');
        await store.setBlobHome('registry:3', 'sha256:x', 'ns/two');
        assert.equal(await other.blobHome('registry:3', 'sha256:x'), 'ns/two');

        const second = '2026-12-06T22:00:00.000Z';
        const claims = await Promise.all([store.claimSchedule(id, second), other.claimSchedule(id, second)]);
        assert.equal(claims.filter(Boolean).length, 1, 'one node fires the run');
        assert.equal(await store.claimSchedule(id, second), false);
        assert.equal(await other.claimSchedule(id, '2026-12-06T22:01:00.000Z'), true);

        const hooks = KyselyWebhookStore.over(a.db);
        const pid = await hooks.createPolicy({
          projectId: 1,
          name: 'w',
          description: '',
          targets: [
            {
              type: 'http',
              address: 'http://x/',
              authHeaderSealed: '',
              skipCertVerify: false,
              payloadFormat: 'Default',
            },
          ],
          eventTypes: ['PUSH_ARTIFACT'],
          creator: 'admin',
          enabled: true,
          secretSealed: 's',
        });
        assert.equal((await hooks.listeners(1, 'PUSH_ARTIFACT')).length, 1);
        assert.equal((await hooks.listeners(1, 'PULL_ARTIFACT')).length, 0);
        const d = await hooks.addDelivery({
          policyId: pid,
          eventType: 'PUSH_ARTIFACT',
          address: 'http://x/',
          payloadFormat: 'Default',
          body: '{}',
        });
        await hooks.updateDelivery(d, {
          status: 'InProgress',
          statusMessage: 'HTTP 500',
          attempts: 1,
          responseCode: 500,
          logLine: 'a1',
          ended: false,
        });
        await hooks.updateDelivery(d, {
          status: 'Succeed',
          statusMessage: 'HTTP 200',
          attempts: 2,
          responseCode: 200,
          logLine: 'a2',
          ended: true,
        });
        const page = await hooks.deliveriesOf(pid, { offset: 0, limit: 5 });
        assert.equal(page.total, 1);
        assert.deepEqual(
          [page.items[0]?.status, page.items[0]?.responseCode, page.items[0]?.log],
          ['Succeed', 200, 'a1\na2\n'],
        );
        await hooks.deletePolicy(pid);
        assert.equal(await hooks.delivery(d), null);
      } finally {
        await cleanup();
      }
    });
  });
}
