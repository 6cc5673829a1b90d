/**
 * A storage driver opened at its first use. The S3 driver brings the AWS SDK
 * (hundreds of CommonJS files, the largest part of an S3 start-up), and the
 * first request a registry answers (/v2/, a token, a health probe) needs no
 * storage: it is loaded when an object is first touched (bench/FINDINGS.md,
 * "Start-up, third round"). Once open, calls go straight to it.
 */
import type { Readable, Writable } from 'node:stream';
import type { ByteRange, ObjectInfo, StorageDriver, UploadState } from '../../core/ports.ts';

export function lazyStorage(name: string, open: () => Promise<StorageDriver>): StorageDriver {
  let ready: StorageDriver | null = null;
  let opening: Promise<StorageDriver> | null = null;
  const driver = (): Promise<StorageDriver> =>
    (opening ??= open().then(
      (d) => (ready = d),
      (err) => {
        opening = null; // a failed open (a bad endpoint) is tried again by the next call
        throw err;
      },
    ));
  const call = <T>(use: (d: StorageDriver) => Promise<T>): Promise<T> => (ready ? use(ready) : driver().then(use));
  return {
    name,
    stat: (key: string): Promise<ObjectInfo | null> => call((d) => d.stat(key)),
    get: (key: string) => call((d) => d.get(key)),
    put: (key: string, data: Buffer) => call((d) => d.put(key, data)),
    send: (key: string, dest: Writable, range?: ByteRange) => call((d) => d.send(key, dest, range)),
    reader: (key: string, range?: ByteRange): Promise<Readable> => call((d) => d.reader(key, range)),
    redirectUrl: (key: string) => call((d) => (d.redirectUrl ? d.redirectUrl(key) : Promise.resolve(null))),
    delete: (key: string) => call((d) => d.delete(key)),
    deleteMany: (keys: string[]) =>
      call(async (d) => {
        if (d.deleteMany) return d.deleteMany(keys);
        for (const key of keys) await d.delete(key);
      }),
    async *list(prefix: string): AsyncIterable<ObjectInfo> {
      yield* (ready ?? (await driver())).list(prefix);
    },
    move: (from: string, to: string) => call((d) => d.move(from, to)),
    uploadStart: (id: string) => call((d) => d.uploadStart(id)),
    uploadAppend: (
      id: string,
      state: UploadState,
      offset: number,
      source: AsyncIterable<Buffer>,
      whole?: { key: string },
    ) => call((d) => d.uploadAppend(id, state, offset, source, whole)),
    uploadReader: (id: string, state: UploadState, size: number) => call((d) => d.uploadReader(id, state, size)),
    uploadCommit: (id: string, state: UploadState, size: number, key: string) =>
      call((d) => d.uploadCommit(id, state, size, key)),
    uploadAbort: (id: string, state: UploadState) => call((d) => d.uploadAbort(id, state)),
  };
}
