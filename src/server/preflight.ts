/**
 * Checks before `berth serve` creates anything: the port is free and the
 * data and storage folders can be written. Each failure is one clear message
 * naming the port or path, and nothing (database, keys, admin password) has
 * been created or printed yet.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FsDriver } from '../adapters/storage/fs.ts';
import { type ServerConfig, storageDir } from './config.ts';

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new PreflightError(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use: stop what listens there or choose another port (--port, BERTH_PORT)`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function assertWritableFolder(path: string, what: string): Promise<void> {
  const probe = join(path, `.berth-write-check-${process.pid}`);
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.W_OK);
    await (await open(probe, 'w')).close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PreflightError(`the ${what} ${path} cannot be used (${code}): it must be a writable folder`);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}

export async function preflight(config: ServerConfig): Promise<void> {
  await assertPortFree(config.server.host, config.server.port);
  await assertWritableFolder(config.data_dir, 'data folder');
  if (config.storage.driver === 'filesystem') {
    const root = storageDir(config);
    await assertWritableFolder(root, 'storage folder');
    for (const sub of ['blobs', 'uploads', 'tmp']) await assertWritableFolder(join(root, sub), 'storage folder');
    await new FsDriver(root).checkWritable(undefined, { sync: false }).catch((err: Error) => {
      throw new PreflightError(err.message);
    });
  }
}
