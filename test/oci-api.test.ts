/** The shared OCI API suite against Berth's embedded defaults: SQLite metadata and the filesystem driver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Berth, buildApp } from '../src/server/app.ts';
import { ociApiSuite } from './suites/oci-api.ts';

ociApiSuite('sqlite + filesystem', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-'));
  const open = async (): Promise<[Berth, string]> => {
    const config = { host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' };
    const berth = await buildApp(config, pino({ level: 'silent' }));
    return [berth, await berth.app.listen({ port: 0, host: '127.0.0.1' })];
  };
  let [berth, url] = await open();
  return {
    url,
    async restart() {
      await berth.close();
      [berth, url] = await open();
      return url;
    },
    async stop() {
      await berth.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
