/**
 * Object-level helpers shared by the S3 driver and its uploads: key checks,
 * error mapping, ranged reads, listings, and copying a body into a Writable.
 */
import { Readable, type Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { ByteRange, ObjectInfo } from '../../core/ports.ts';
import { NotFoundError } from '../../core/ports.ts';
import type { Bucket } from './s3-multipart.ts';

/** True for S3's "no such object" answers (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** A multipart upload that is no more (completed or aborted): AWS says NoSuchUpload, Ceph RGW's ListParts NoSuchKey. */
export function isNoSuchUpload(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'NoSuchUpload' || name === 'NoSuchKey';
}

/** Aborts a multipart upload; one already completed or aborted is fine. */
export async function abortIfOpen(target: Bucket, Key: string, UploadId: string): Promise<void> {
  await target.client
    .send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key, UploadId }))
    .catch((err: unknown) => {
      if (!isNoSuchUpload(err)) throw err;
    });
}

export function checkKey(key: string): void {
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`invalid storage key: ${key}`);
  }
}

/** The size of an object, or null when absent. */
export async function headSize(target: Bucket, s3Key: string): Promise<number | null> {
  try {
    const head = await target.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: s3Key }));
    return head.ContentLength ?? 0;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/**
 * Opens an object (or a range of it) for reading; `expected` is the length
 * the body must have. Throws NotFoundError naming `key` when absent.
 */
export async function openObject(
  target: Bucket,
  s3Key: string,
  key: string,
  range?: ByteRange,
): Promise<{ body: Readable; expected: number }> {
  if (range && (range.start < 0 || range.end < range.start)) {
    throw new Error(`invalid range ${range.start}-${range.end}`);
  }
  try {
    const out = await target.client.send(
      new GetObjectCommand({
        Bucket: target.bucket,
        Key: s3Key,
        Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }),
    );
    const body = (out.Body as Readable | undefined) ?? Readable.from([]);
    const length = out.ContentLength ?? 0;
    if (range && length !== range.end - range.start + 1) {
      body.destroy();
      throw new Error(`range ${range.start}-${range.end} is outside ${key}`);
    }
    return { body, expected: length };
  } catch (err) {
    if (isMissing(err)) throw new NotFoundError(key);
    throw err;
  }
}

/** Every object whose key starts with `s3Prefix` (full keys), page by page. */
export async function* listObjects(target: Bucket, s3Prefix: string, pageSize: number): AsyncIterable<ObjectInfo> {
  let token: string | undefined;
  do {
    const page = await target.client.send(
      new ListObjectsV2Command({
        Bucket: target.bucket,
        Prefix: s3Prefix,
        ContinuationToken: token,
        MaxKeys: pageSize,
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * Writes `src` into `dest` (without ending it), pausing while `dest` is full.
 * Resolves with the byte count once `dest` has taken the last chunk.
 * Flowing, with one shared write callback for every chunk, rather than a
 * promise and three listeners per chunk (bench/FINDINGS.md, "Session 10":
 * simpler, not measurably cheaper per byte).
 */
export function pump(src: Readable, dest: Writable): Promise<number> {
  return new Promise((resolve, reject) => {
    if (dest.destroyed || dest.writableEnded) {
      src.destroy();
      reject(new Error('destination closed'));
      return;
    }
    let sent = 0;
    let unwritten = 0;
    let ended = false;
    let settled = false;
    const cleanup = () => {
      settled = true;
      src.off('data', take);
      src.off('error', fail);
      src.off('end', end);
      dest.off('drain', resume);
      dest.off('close', closed);
      dest.off('error', fail);
    };
    function fail(err: Error) {
      if (settled) return;
      cleanup();
      src.destroy();
      reject(err);
    }
    const closed = () => fail(new Error('destination closed'));
    /** Resolves once the body has ended and `dest` has taken every chunk written. */
    const finishIfTaken = () => {
      if (!ended || unwritten > 0 || settled) return;
      cleanup();
      resolve(sent);
    };
    const written = (err?: Error | null) => {
      unwritten--;
      if (err) fail(err);
      else finishIfTaken();
    };
    function take(chunk: Buffer) {
      sent += chunk.length;
      unwritten++;
      if (!dest.write(chunk, written)) src.pause();
    }
    const resume = () => src.resume();
    function end() {
      ended = true;
      finishIfTaken();
    }
    dest.on('drain', resume);
    dest.once('close', closed);
    dest.once('error', fail);
    src.once('error', fail);
    src.once('end', end);
    src.on('data', take);
  });
}

/** At most `limit` tasks at once; the others wait in order. */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Ranges of one object read with ranged GETs into the caller's buffer (a
 * ChunkSource of shared-reads.ts), no more than the limiter's at once for the
 * whole driver: hundreds of downloads never mean hundreds of streams from the store.
 */
export class RangeSource {
  constructor(
    private readonly target: Bucket,
    private readonly s3Key: string,
    private readonly key: string,
    private readonly limiter: Limiter,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    if (length === 0) return { bytesRead: 0 };
    return this.limiter.run(async () => {
      const range = { start: position, end: position + length - 1 };
      const { body } = await openObject(this.target, this.s3Key, this.key, range);
      let filled = 0;
      try {
        for await (const chunk of body) {
          const bytes = chunk as Buffer;
          if (filled + bytes.length > length) throw new Error(`range of ${this.key} longer than asked`);
          bytes.copy(buffer, offset + filled);
          filled += bytes.length;
        }
      } catch (err) {
        body.destroy();
        throw err;
      }
      return { bytesRead: filled };
    });
  }
}
