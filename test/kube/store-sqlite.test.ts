import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { kubeStoreSuite } from './store-suite.ts';

kubeStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-kube-store-'));
  const a = await SqliteStore.open(join(dir, 'berth.db'));
  const b = await SqliteStore.open(join(dir, 'berth.db'));
  return {
    a: KyselyKubeStore.over(a.db),
    b: KyselyKubeStore.over(b.db),
    cleanup: async () => {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
