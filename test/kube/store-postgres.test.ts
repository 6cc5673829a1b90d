import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import { PostgresStore } from '../../src/adapters/metadata/postgres.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { kubeStoreSuite } from './store-suite.ts';

kubeStoreSuite('postgres', async () => {
  const db = await createTestDatabase();
  const a = await PostgresStore.open({ url: db.url });
  const b = await PostgresStore.open({ url: db.url });
  return {
    a: KyselyKubeStore.over(a.db),
    b: KyselyKubeStore.over(b.db),
    cleanup: async () => {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
});
