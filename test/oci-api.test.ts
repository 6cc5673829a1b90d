/** The shared OCI API suite against Berth's embedded defaults: SQLite metadata and the filesystem driver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociApiSuite, uploadLeftovers } from './suites/oci-api.ts';
import { startInProcess } from './support/inprocess.ts';

ociApiSuite('sqlite + filesystem', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-'));
  let berth = await startInProcess({ dataDir });
  return {
    url: berth.url,
    async restart() {
      await berth.stop();
      berth = await startInProcess({ dataDir });
      return berth.url;
    },
    leftovers: () => uploadLeftovers(berth.berth.registry),
    async stop() {
      await berth.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
