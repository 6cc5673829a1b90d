/** The shared OCI API suite against PostgreSQL metadata (a throwaway database) and the filesystem driver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociApiSuite, uploadLeftovers } from './suites/oci-api.ts';
import { startInProcess } from './support/inprocess.ts';
import { createTestDatabase } from './support/postgres.ts';

ociApiSuite('postgres + filesystem', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-pg-'));
  const db = await createTestDatabase();
  const env = { BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url };
  let berth = await startInProcess({ dataDir, env });
  return {
    url: berth.url,
    async restart() {
      await berth.stop();
      berth = await startInProcess({ dataDir, env });
      return berth.url;
    },
    leftovers: () => uploadLeftovers(berth.berth.registry),
    async stop() {
      await berth.stop();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
