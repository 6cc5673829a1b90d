/**
 * Checks before `berth serve` creates anything: the data and storage folders
 * can be written (the port is checked by binding it first, server/door.ts).
 * Each failure is one clear message naming the path, and nothing
 * (database, keys, admin password) has been created or printed yet.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FsDriver } from '../adapters/storage/fs.ts';
import { type ServerConfig, storageDir } from './config.ts';

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
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
