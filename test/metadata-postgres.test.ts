import { PostgresStore } from '../src/adapters/metadata/postgres.ts';
import { metadataStoreSuite } from './suites/metadata-store.ts';
import { createTestDatabase } from './support/postgres.ts';

metadataStoreSuite('postgres', async () => {
  const db = await createTestDatabase();
  const store = await PostgresStore.open({ url: db.url });
  return { store, cleanup: async () => (await store.close(), db.drop()) };
});
