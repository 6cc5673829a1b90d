import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { storageDriverSuite } from './suites/storage-driver.ts';

storageDriverSuite('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fs-driver-'));
  return { driver: new FsDriver(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
