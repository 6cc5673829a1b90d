/** Berth running inside the test process on a free port, over a temp data folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Berth, buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';

export interface RunningBerth {
  url: string;
  host: string;
  dataDir: string;
  berth: Berth;
  stop(): Promise<void>;
}

export async function startInProcess(
  options: { dataDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningBerth> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-test-')));
  // Auth off unless a test asks for it (BERTH_AUTH in options.env).
  const config = loadConfig({
    env: { BERTH_AUTH: 'off', ...options.env, BERTH_DATA: dataDir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1' },
  });
  const berth = await buildApp(config, pino({ level: 'silent' }));
  const address = await berth.app.listen({ host: '127.0.0.1', port: 0 });
  const host = new URL(address).host;
  return {
    url: address,
    host,
    dataDir,
    berth,
    async stop() {
      await berth.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
