import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { jobQueueSuite } from './suites/job-queue.ts';
import { metadataStoreSuite } from './suites/metadata-store.ts';

metadataStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-'));
  const store = await SqliteStore.open(join(dir, 'berth.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

jobQueueSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-jobs-'));
  const a = await SqliteStore.open(join(dir, 'berth.db'));
  const b = await SqliteStore.open(join(dir, 'berth.db'));
  return {
    a: a.jobs,
    b: b.jobs,
    cleanup: async () => {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
