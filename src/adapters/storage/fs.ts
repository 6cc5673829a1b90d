/**
 * Filesystem storage driver. Layout under the root folder:
 *   blobs/<alg>/<2 hex>/<hex>   content-addressed blobs and manifests
 *   uploads/<id>                bytes of uploads in progress
 *   tmp/                        small objects being written (renamed into place)
 *   quarantine/                 objects fsck found corrupt
 * Whole objects appear by rename(2) after fsync, so a reader never sees a torn one.
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { ByteRange, ObjectInfo, StorageDriver, UploadState } from '../../core/ports.ts';
import { NotFoundError } from '../../core/ports.ts';
import { BufferPool } from './buffer-pool.ts';
import { appendFile } from './direct-append.ts';
import { SharedReads, writeAndWait } from './shared-reads.ts';
import { storageError } from './storage-errors.ts';
import { syncPath } from './sync-path.ts';

/** File removals in flight per deleteMany call. */
const DELETE_CONCURRENCY = 4;

/** Two buffers per download of a mutable object; at most 8 big ones (32 MiB) exist, later downloads use 256 KiB ones. */
const sendBuffers = new BufferPool(4 * 1024 * 1024, 8, 256 * 1024);

/** Content-addressed objects (blobs, manifests): their bytes never change, so downloads at the same time share reads. */
const sharedReads = new SharedReads();
const SHARED_PREFIX = 'blobs/';

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export class FsDriver implements StorageDriver {
  readonly name = 'filesystem';

  /** `directWrites: false` writes uploads through the page cache even where O_DIRECT works (direct-append.ts). */
  constructor(
    readonly root: string,
    private readonly options: { directWrites?: boolean } = {},
  ) {}

  private path(key: string): string {
    if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new Error(`invalid storage key: ${key}`);
    }
    return join(this.root, ...key.split('/'));
  }

  private uploadPath(id: string): string {
    return this.path(`uploads/${id}`);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.path(key));
      return info.isFile() ? { key, size: info.size } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    const tmp = this.path(`tmp/${randomUUID()}`);
    await mkdir(dirname(tmp), { recursive: true });
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.renameInto(tmp, this.path(key));
    } catch (err) {
      // A full disk or a failed rename leaves no temporary file behind.
      await rm(tmp, { force: true }).catch(() => {});
      throw storageError(err, this.root);
    }
  }

  /**
   * Whether objects can be written here now: creates, syncs and removes a
   * small file, and checks the free space. Throws the storage error that a
   * push would meet (full, read-only, not writable), naming the folder.
   * `sync: false` (the check before a start) skips the fsync: on a disk busy
   * writing back other data it can wait for that, and a start must not.
   */
  async checkWritable(minFreeBytes = 1024 * 1024, { sync = true } = {}): Promise<void> {
    const probe = this.path(`tmp/.probe-${process.pid}-${randomUUID()}`);
    try {
      await mkdir(dirname(probe), { recursive: true });
      const fh = await open(probe, 'w');
      try {
        await fh.writeFile('ok');
        if (sync) await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw storageError(err, this.root);
    } finally {
      await rm(probe, { force: true }).catch(() => {});
    }
    const fsStats = await statfs(this.root);
    if (fsStats.bavail * fsStats.bsize < minFreeBytes)
      throw storageError(Object.assign(new Error('no space left'), { code: 'ENOSPC' }), this.root);
  }

  private async renameInto(from: string, to: string): Promise<void> {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    await syncPath(dirname(to));
  }

  private async openForRead(key: string): Promise<FileHandle> {
    try {
      return await open(this.path(key), 'r');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(key);
      throw err;
    }
  }

  async send(key: string, dest: Writable, range?: ByteRange): Promise<void> {
    if (key.startsWith(SHARED_PREFIX)) return this.sendShared(key, dest, range);
    const fh = await this.openForRead(key);
    try {
      const end = range ? range.end + 1 : (await fh.stat()).size;
      let position = range?.start ?? 0;
      // Two buffers: read the next chunk while the previous one drains.
      const buffers = [sendBuffers.acquire(), sendBuffers.acquire()];
      const inFlight: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
      let turn = 0;
      try {
        while (position < end) {
          await inFlight[turn];
          const buffer = buffers[turn];
          const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end - position), position);
          if (bytesRead === 0) throw new Error(`object ${key} is shorter than expected`);
          position += bytesRead;
          const written = writeAndWait(dest, buffer.subarray(0, bytesRead));
          written.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
          inFlight[turn] = written;
          turn ^= 1;
        }
        await Promise.all(inFlight);
      } finally {
        // Only once no write still holds them: a failed write may leave the other in flight.
        await Promise.allSettled(inFlight);
        for (const b of buffers) sendBuffers.release(b);
      }
    } finally {
      await fh.close();
    }
  }

  /** `send` of an immutable object: chunks read once for every download of it under way (shared-reads.ts). */
  private async sendShared(key: string, dest: Writable, range?: ByteRange): Promise<void> {
    const path = this.path(key);
    const fh = await this.openForRead(key);
    const close = sharedReads.open(path);
    try {
      const size = (await fh.stat()).size;
      if (range && range.end + 1 > size) throw new Error(`object ${key} is shorter than expected`);
      await sharedReads.send(path, fh, dest, range?.start ?? 0, range ? range.end + 1 : size, size);
    } finally {
      close();
      await fh.close();
    }
  }

  async reader(key: string, range?: ByteRange): Promise<Readable> {
    const fh = await this.openForRead(key);
    return fh.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1024 * 1024 });
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deleteMany(keys: string[]): Promise<void> {
    const folders = new Set<string>();
    // A few at a time: libuv's 4 threads serve every file operation, and 64 queued removals
    // made a concurrent push's writes wait behind them (bench/FINDINGS.md, GC while pushing).
    for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY) {
      const batch = keys.slice(i, i + DELETE_CONCURRENCY).map((key) => this.path(key));
      await Promise.all(batch.map((path) => rm(path, { force: true })));
      for (const path of batch) folders.add(dirname(path));
    }
    // Empty folders (blobs/sha256/ab/) go too; one that gained a file meanwhile stays (ENOTEMPTY).
    for (const folder of folders) await rmdir(folder).catch(() => {});
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = prefix === '' ? this.root : this.path(prefix.replace(/\/$/, ''));
    let entries: string[];
    try {
      entries = await readdir(base, { recursive: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const full = join(base, entry);
      const info = await stat(full).catch(() => null);
      if (info?.isFile()) yield { key: relative(this.root, full).split(sep).join('/'), size: info.size };
    }
  }

  async move(from: string, to: string): Promise<void> {
    try {
      await this.renameInto(this.path(from), this.path(to));
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(from);
      throw err;
    }
  }

  async uploadStart(id: string): Promise<UploadState> {
    const path = this.uploadPath(id);
    try {
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'wx')).close();
    } catch (err) {
      await rm(path, { force: true }).catch(() => {});
      throw storageError(err, this.root);
    }
    return {};
  }

  async uploadAppend(
    id: string,
    state: UploadState,
    offset: number,
    source: AsyncIterable<Buffer>,
  ): Promise<{ state: UploadState; written: number }> {
    const fh = await this.openUpload(id, 'r+');
    try {
      const { size } = await fh.stat();
      if (size < offset) throw new Error(`upload ${id} holds ${size} bytes, fewer than the ${offset} recorded`);
      // Bytes past the confirmed offset come from an interrupted append: drop them.
      if (size > offset) await fh.truncate(offset);
      const path = this.uploadPath(id);
      const { written } = await appendFile(
        fh,
        path,
        this.root,
        offset,
        source,
        this.options.directWrites ?? true,
      ).catch((err) => {
        throw storageError(err, this.root);
      });
      return { state, written };
    } finally {
      await fh.close();
    }
  }

  private async openUpload(id: string, flags: string): Promise<FileHandle> {
    try {
      return await open(this.uploadPath(id), flags);
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`uploads/${id}`);
      throw err;
    }
  }

  async uploadReader(id: string, _state: UploadState, size: number): Promise<Readable> {
    if (size === 0) return Readable.from([]);
    const fh = await this.openUpload(id, 'r');
    return fh.createReadStream({ start: 0, end: size - 1, highWaterMark: 1024 * 1024 });
  }

  async uploadCommit(id: string, _state: UploadState, size: number, key: string): Promise<void> {
    const fh = await this.openUpload(id, 'r+');
    try {
      await fh.truncate(size);
      await fh.sync();
      await this.renameInto(this.uploadPath(id), this.path(key));
    } catch (err) {
      throw storageError(err, this.root);
    } finally {
      await fh.close();
    }
  }

  async uploadAbort(id: string): Promise<void> {
    await rm(this.uploadPath(id), { force: true });
  }
}
