import { createTestDatabase } from '../support/postgres.ts';
import { catalogVisibilitySuite } from './catalog-visibility-suite.ts';

catalogVisibilitySuite('postgres', async () => {
  const db = await createTestDatabase();
  return { env: { BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url }, cleanup: () => db.drop() };
});
