/**
 * Multipart plumbing for the S3 driver: a streaming object writer that keeps
 * at most (concurrency + 1) parts in memory, and a server-side assembly of
 * several source objects (or ranges of them) into one object.
 */

import { createHash, type Hash, webcrypto } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { MIN_PART } from './s3-upload-state.ts';

/** S3's largest part, and largest object CopyObject copies in one request. */
export const MAX_COPY = 5 * 1024 * 1024 * 1024;
/** S3's limit on the number of parts of one multipart upload. */
export const MAX_PARTS = 10_000;

export interface Bucket {
  client: S3Client;
  bucket: string;
}

/** `CopySource` for a key: bucket and key, each path segment URL-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Runs `tasks` with at most `limit` at once; rejects with the first failure once all settled. */
export async function runLimited<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  async function worker(): Promise<void> {
    while (next < tasks.length && !failure) {
      const index = next++;
      try {
        results[index] = await tasks[index]();
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Part buffers kept for the next part. A part allocated anew is fresh memory
 * (page faults, which the project machines' hypervisor makes dear) and
 * external memory that brings V8's next full collection sooner. Kept only
 * while uploads go on: after `idleMs` without one given back, all are let go.
 */
export class PartBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly keep: number,
    private readonly idleMs = 10_000,
  ) {}

  take(size: number): Buffer {
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(buffer: Buffer): void {
    const list = this.free.get(buffer.length) ?? [];
    this.free.set(buffer.length, list);
    if (list.length < this.keep) list.push(buffer);
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        this.free.clear();
      }, this.idleMs);
      this.idleTimer.unref();
    }
  }
}

/**
 * One upload's worth at the default four parts in flight (five buffers): fewer
 * kept made an upload drop and allocate buffers as it went, which raised the
 * resident peak rather than lowering it (bench/FINDINGS.md, session 15). Let
 * go 2 s after the last part (10 s before): downloads right after uploads
 * then reuse that memory; with 10 s their peak was ~17 MiB higher
 * (bench/FINDINGS.md, session 16).
 */
const partBuffers = new PartBuffers(5, 2_000);

/** Parts of one size before the size doubles: a small part size still reaches S3's 10,000 parts only past ~80 TiB. */
export const PARTS_PER_SIZE = 1000;

/** The size of part `index` (0-based) of an object written in parts of `base` bytes at first. */
export function partSizeAt(base: number, index: number): number {
  return Math.min(MAX_COPY, base * 2 ** Math.floor(index / PARTS_PER_SIZE));
}

/**
 * Writes one object from chunks of unknown total length. Bytes gather into
 * parts of `partSize` (doubling every PARTS_PER_SIZE parts, so a small part
 * size, which keeps memory low, still fits very large objects into S3's
 * 10,000 parts); an object of at most one part is one PutObject, a larger one
 * a multipart upload with up to `concurrency` parts in flight. `write`
 * resolves when the writer can take more (backpressure).
 */
export class StreamingObjectWriter {
  /** The part being filled (a whole part-sized buffer) and how much of it is. */
  private part: Buffer | null = null;
  private filled = 0;
  /**
   * SHA-256 of the part being filled, fed as its bytes are copied in: SigV4 signs each part's hash, and hashing
   * as bytes come needs no second pass and no copy (WebCrypto copies what it hashes, a part per part in flight).
   */
  private partHash: Hash | null = null;
  private uploadId: string | null = null;
  private partNumber = 0;
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;
  /** Continues a multipart upload a previous writer left open (see `resume`): abort must leave it be. */
  private resumed = false;
  size = 0;

  constructor(
    private readonly target: Bucket,
    private readonly key: string,
    private readonly partSize: number,
    private readonly concurrency: number,
  ) {}

  /** Writes further parts of the open multipart upload `uploadId` of this key, which holds `parts` parts. */
  resume(uploadId: string, parts: number): this {
    this.uploadId = uploadId;
    this.partNumber = parts;
    this.resumed = true;
    return this;
  }

  /** The open multipart upload's id (after `finishOpen`), null when none was started. */
  get openUploadId(): string | null {
    return this.uploadId;
  }

  /** Parts sent so far, counting those of the upload resumed. */
  get partCount(): number {
    return this.partNumber;
  }

  /**
   * Sends what is buffered as a last part when S3 takes it as a middle part
   * (at least `minPart` bytes) and leaves the multipart upload open, not
   * completed, for later writers to continue (resume) or complete. Resolves
   * with the bytes buffered (fewer than `minPart`) that were not sent.
   */
  async finishOpen(minPart: number): Promise<Buffer> {
    this.throwIfFailed();
    const last = this.part;
    this.part = null;
    let rest = Buffer.alloc(0);
    if (last && this.filled >= minPart) await this.startPart(last.subarray(0, this.filled), last, this.sealPart());
    else if (last) {
      this.partHash = null;
      rest = Buffer.from(last.subarray(0, this.filled));
      partBuffers.give(last);
    }
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    return rest;
  }

  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    let offset = 0;
    while (offset < chunk.length) {
      // A full part is sent once more bytes follow it: an object of exactly one part stays one PutObject.
      if (this.part && this.filled === this.part.length) {
        const full = this.part;
        this.part = null;
        this.filled = 0;
        await this.startPart(full, full, this.sealPart());
        while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
        this.throwIfFailed();
      }
      this.part ??= partBuffers.take(partSizeAt(this.partSize, this.partNumber));
      this.partHash ??= createHash('sha256');
      const copied = chunk.copy(this.part, this.filled, offset);
      this.partHash.update(chunk.subarray(offset, offset + copied));
      this.filled += copied;
      offset += copied;
      this.size += copied;
    }
  }

  /** Writes what is left and makes the object visible; returns its size. */
  async finish(): Promise<number> {
    this.throwIfFailed();
    const last = this.part;
    const rest = last ? last.subarray(0, this.filled) : Buffer.alloc(0);
    this.part = null;
    if (this.uploadId === null) {
      try {
        this.partHash = null; // one object, signed by the SDK itself
        await this.target.client.send(
          new PutObjectCommand({ Bucket: this.target.bucket, Key: this.key, Body: rest, ContentLength: rest.length }),
        );
      } finally {
        if (last) partBuffers.give(last);
      }
      return this.size;
    }
    if (last && rest.length > 0) await this.startPart(rest, last, this.sealPart());
    else if (last) partBuffers.give(last);
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    this.parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    // Ceph RGW may answer with an empty ETag here: nothing reads it.
    await this.target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.target.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
    this.uploadId = null;
    return this.size;
  }

  /** Abandons the object: aborts its multipart upload if one was started. */
  async abort(): Promise<void> {
    if (this.part) partBuffers.give(this.part);
    this.part = null;
    this.partHash = null;
    await Promise.allSettled(this.inFlight);
    // Parts sent to a resumed upload lie past the ones its state lists: completion ignores them, the next writer overwrites them.
    if (this.uploadId === null || this.resumed) return;
    const uploadId = this.uploadId;
    this.uploadId = null;
    await this.target.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.key, UploadId: uploadId }))
      .catch(() => {}); // left for the upload folder's clean-up (uploadAbort/uploadCommit) to find
  }

  /** Starts the multipart upload now (rather than with the first full part); returns its id. */
  async begin(): Promise<string> {
    if (this.uploadId === null) {
      const created = await this.target.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.key }),
      );
      if (!created.UploadId) throw new Error(`no upload id for ${this.key}`);
      this.uploadId = created.UploadId;
    }
    return this.uploadId;
  }

  /**
   * Starts uploading `body` as the next part; `owner` (the buffer it lies in) goes back to the pool once the request
   * is over. (A buffer not given back on an early failure is only garbage.)
   */
  private async startPart(body: Buffer, owner: Buffer, sha256: string): Promise<void> {
    const uploadId = await this.begin();
    const partNumber = ++this.partNumber;
    if (partNumber > MAX_PARTS) throw new Error(`object ${this.key} needs more than ${MAX_PARTS} parts`);
    const task = this.target.client
      .send(
        withPayloadSha256(
          new UploadPartCommand({
            Bucket: this.target.bucket,
            Key: this.key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.length,
          }),
          sha256,
        ),
      )
      .then((out) => {
        this.parts.push({ PartNumber: partNumber, ETag: out.ETag });
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight.delete(task);
        partBuffers.give(owner); // the request is over: nothing reads the body any more
      });
    this.inFlight.add(task);
  }

  /** The hash of the part just filled (of no bytes when none were), ready for the next part. */
  private sealPart(): string {
    const hash = this.partHash ?? createHash('sha256');
    this.partHash = null;
    return hash.digest('hex');
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * The SHA-256 (hex) of a part's bytes, computed on libuv's thread pool
 * (WebCrypto's digest is asynchronous), for a part sent from bytes already
 * gathered (the commit's last part). SigV4 signs the payload's hash; left to
 * the SDK, it hashes the body on the event loop in one go. A writer's parts
 * are hashed as they fill instead (StreamingObjectWriter.partHash).
 */
export async function payloadSha256(body: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', body)).toString('hex');
}

/** Gives the signer the payload hash it would otherwise compute (it uses a request's own x-amz-content-sha256). */
export function withPayloadSha256<C extends UploadPartCommand>(command: C, sha256: string): C {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
      return next(args);
    },
    { step: 'build', name: 'berthPayloadSha256' },
  );
  return command;
}

/** A source of one part of an assembled object. */
export type AssemblyPart =
  | { kind: 'copy'; key: string; start: number; end: number } // end inclusive
  | { kind: 'bytes'; body: () => Promise<Buffer> };

/**
 * Splits bytes [0, length) of an object into copy parts of at most MAX_COPY
 * each, all of about the same size (so none falls under the minimum).
 */
export function copyParts(key: string, length: number, maxCopy = MAX_COPY): AssemblyPart[] {
  const count = Math.max(1, Math.ceil(length / maxCopy));
  const each = Math.ceil(length / count);
  const parts: AssemblyPart[] = [];
  for (let start = 0; start < length; start += each) {
    parts.push({ kind: 'copy', key, start, end: Math.min(start + each, length) - 1 });
  }
  return parts;
}

/**
 * Makes `key` the concatenation of `parts` with one multipart upload: ranges
 * of existing objects are copied by the server (UploadPartCopy), small byte
 * parts are uploaded. Every part but the last must hold at least 5 MiB.
 */
export async function assemble(target: Bucket, key: string, parts: AssemblyPart[], concurrency: number): Promise<void> {
  if (parts.length > MAX_PARTS) throw new Error(`object ${key} needs more than ${MAX_PARTS} parts`);
  const { client, bucket } = target;
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`no upload id for ${key}`);
  try {
    const completed = await runLimited(
      concurrency,
      parts.map((part, index) => async (): Promise<CompletedPart> => {
        const PartNumber = index + 1;
        if (part.kind === 'copy') {
          if (part.end - part.start + 1 < MIN_PART && index < parts.length - 1) {
            throw new Error(`part ${PartNumber} of ${key} is under the minimum part size`);
          }
          const out = await client.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber,
              CopySource: copySource(bucket, part.key),
              CopySourceRange: `bytes=${part.start}-${part.end}`,
            }),
          );
          return { PartNumber, ETag: out.CopyPartResult?.ETag };
        }
        const body = await part.body();
        const out = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber,
            Body: body,
            ContentLength: body.length,
          }),
        );
        return { PartNumber, ETag: out.ETag };
      }),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => {});
    throw error;
  }
}

/** Server-side copy of a whole object of `size` bytes (CopyObject, or a multipart copy past 5 GiB). */
export async function copyObject(
  target: Bucket,
  from: string,
  to: string,
  size: number,
  concurrency: number,
  maxCopy = MAX_COPY,
): Promise<void> {
  if (size <= maxCopy) {
    await target.client.send(
      new CopyObjectCommand({ Bucket: target.bucket, Key: to, CopySource: copySource(target.bucket, from) }),
    );
    return;
  }
  await assemble(target, to, copyParts(from, size, maxCopy), concurrency);
}
