/** The shared OCI API suite against Berth's embedded defaults: SQLite metadata and the filesystem driver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { ociApiSuite } from './suites/oci-api.ts';

ociApiSuite('sqlite + filesystem', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-'));
  const berth = await buildApp({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' }, pino({ level: 'silent' }));
  const address = await berth.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    async stop() {
      await berth.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
