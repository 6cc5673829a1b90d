import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { metadataStoreSuite } from './suites/metadata-store.ts';

metadataStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-'));
  const store = await SqliteStore.open(join(dir, 'berth.db'));
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});
