import { PostgresStore } from '../src/adapters/metadata/postgres.ts';
import { jobQueueSuite } from './suites/job-queue.ts';
import { metadataStoreSuite } from './suites/metadata-store.ts';
import { createTestDatabase } from './support/postgres.ts';

metadataStoreSuite('postgres', async () => {
  const db = await createTestDatabase();
  const store = await PostgresStore.open({ url: db.url });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
});

jobQueueSuite('postgres', async () => {
  const db = await createTestDatabase();
  const a = await PostgresStore.open({ url: db.url });
  const b = await PostgresStore.open({ url: db.url });
  return {
    a: a.jobs,
    b: b.jobs,
    cleanup: async () => {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
});
