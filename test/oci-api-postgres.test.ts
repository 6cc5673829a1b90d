/** The shared OCI API suite against PostgreSQL metadata (a throwaway database) and the filesystem driver. */
import { inProcessRegistry, ociApiSuite } from './suites/oci-api.ts';
import { createTestDatabase } from './support/postgres.ts';

ociApiSuite('postgres + filesystem', async () => {
  const db = await createTestDatabase();
  return inProcessRegistry({ BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url }, () => db.drop());
});
