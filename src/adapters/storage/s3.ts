/**
 * S3 storage driver (AWS S3, Ceph RGW, MinIO… through @aws-sdk/client-s3).
 * Layout under the bucket and `prefix`:
 *   blobs/<alg>/<2 hex>/<hex>   content-addressed blobs and manifests
 *   uploads/<id>/<piece>        bytes of uploads in progress (see s3-upload-state.ts)
 * Whole objects appear atomically: PutObject, CopyObject and
 * CompleteMultipartUpload all make an object visible whole or not at all.
 *
 * Uploads: every append streams into a new object of its own (a multipart
 * upload when it outgrows one part), so no blob is ever held whole in memory
 * and an upload's bytes stay readable (for rehashing) while it is open. The
 * commit assembles those objects into the final key server-side
 * (UploadPartCopy, or CopyObject when there is one).
 */
import { randomBytes } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ByteRange, ObjectInfo, StorageDriver, UploadState } from '../../core/ports.ts';
import { NotFoundError } from '../../core/ports.ts';
import {
  type AssemblyPart,
  assemble,
  type Bucket,
  copyObject,
  copyParts,
  StreamingObjectWriter,
} from './s3-multipart.ts';
import {
  emptyState,
  MIN_PART,
  type Piece,
  parseState,
  type S3UploadState,
  stateSize,
  total,
  truncateState,
  used,
} from './s3-upload-state.ts';

export interface S3DriverOptions {
  /** Bucket name (required). */
  bucket: string;
  /** Region; default `us-east-1` (any value works for Ceph RGW and MinIO). */
  region?: string;
  /** Endpoint URL of an S3-compatible server, e.g. `http://127.0.0.1:7480`; default AWS. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`); default true. */
  forcePathStyle?: boolean;
  /** Static credentials; when absent, the AWS SDK's default chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Key prefix inside the bucket (a folder: `berth/`), default none. */
  prefix?: string;
  /** Bytes per uploaded part, default 16 MiB, at least 5 MiB. Memory per upload ≈ (partConcurrency + 1) × partSize. */
  partSize?: number;
  /** Parts of one append uploaded at once, default 2. */
  partConcurrency?: number;
  /** Server-side part copies at once when committing an upload, default 4. */
  copyConcurrency?: number;
  /** Answer blob GETs with a redirect to a presigned URL; default false. */
  redirect?: boolean;
  /** Lifetime of presigned URLs in seconds, default 1200. */
  redirectExpiresIn?: number;
  /** Endpoint put in presigned URLs when clients reach the store by another address; default `endpoint`. */
  redirectEndpoint?: string;
  /** Connections to the store at most (each blob being sent holds one), default 256. */
  maxSockets?: number;
  /** Milliseconds to wait for a connection to the store, default 10000. */
  connectTimeout?: number;
  /** Keys per ListObjectsV2 page, default 1000 (tests make it small to exercise paging). */
  listPageSize?: number;
  /** A client to use instead of building one from the options above. */
  client?: S3Client;
}

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/** Small pieces one upload may hold before they are merged into one (bounds the state's size). */
const MAX_PENDING = 16;

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function checkKey(key: string): void {
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`invalid storage key: ${key}`);
  }
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id === '.' || id === '..') throw new Error(`invalid upload id: ${id}`);
}

function buildClient(options: S3DriverOptions, endpoint: string | undefined): S3Client {
  const credentials =
    options.accessKeyId && options.secretAccessKey
      ? {
          accessKeyId: options.accessKeyId,
          secretAccessKey: options.secretAccessKey,
          sessionToken: options.sessionToken,
        }
      : undefined;
  return new S3Client({
    region: options.region ?? 'us-east-1',
    endpoint,
    forcePathStyle: options.forcePathStyle ?? true,
    credentials,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: options.maxSockets ?? 256 },
      httpsAgent: { keepAlive: true, maxSockets: options.maxSockets ?? 256 },
      connectionTimeout: options.connectTimeout ?? 10_000,
    },
    // Checksums only where S3 demands them: SigV4 already signs each body's
    // SHA-256, and some S3-compatible servers refuse the newer checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export class S3Driver implements StorageDriver {
  readonly name = 's3';
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly signer: S3Client | null;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly copyConcurrency: number;
  private readonly expiresIn: number;
  private readonly pageSize: number;
  private readonly target: Bucket;

  constructor(options: S3DriverOptions) {
    if (!options.bucket) throw new Error('S3 driver: bucket is required');
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART || this.partSize > 5 * 1024 ** 3) {
      throw new Error('S3 driver: partSize must be between 5 MiB and 5 GiB');
    }
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 2);
    this.copyConcurrency = Math.max(1, options.copyConcurrency ?? 4);
    this.expiresIn = options.redirectExpiresIn ?? 1200;
    this.pageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    this.client = options.client ?? buildClient(options, options.endpoint);
    this.signer = options.redirect
      ? options.redirectEndpoint
        ? buildClient(options, options.redirectEndpoint)
        : this.client
      : null;
    this.target = { client: this.client, bucket: this.bucket };
  }

  /** Creates the bucket when it does not exist (for tests and first starts). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((err: unknown) => {
        const name = (err as { name?: string })?.name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      });
    }
  }

  close(): void {
    this.client.destroy();
    if (this.signer && this.signer !== this.client) this.signer.destroy();
  }

  private s3Key(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key), Body: data, ContentLength: data.length }),
    );
  }

  /** Opens the object (or a range) for reading; `expected` is the length the body must have. */
  private async open(s3Key: string, key: string, range?: ByteRange): Promise<{ body: Readable; expected: number }> {
    if (range && (range.start < 0 || range.end < range.start))
      throw new Error(`invalid range ${range.start}-${range.end}`);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: s3Key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const length = out.ContentLength ?? 0;
      if (range && length !== range.end - range.start + 1) {
        (out.Body as Readable | undefined)?.destroy();
        throw new Error(`range ${range.start}-${range.end} is outside ${key}`);
      }
      const body = (out.Body as Readable | undefined) ?? Readable.from([]);
      return { body, expected: length };
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(key);
      throw err;
    }
  }

  async send(key: string, dest: Writable, range?: ByteRange): Promise<void> {
    const { body, expected } = await this.open(this.s3Key(key), key, range);
    const sent = await pump(body, dest);
    if (sent !== expected) throw new Error(`object ${key}: sent ${sent} of ${expected} bytes`);
  }

  async reader(key: string, range?: ByteRange): Promise<Readable> {
    return (await this.open(this.s3Key(key), key, range)).body;
  }

  async redirectUrl(key: string): Promise<string | null> {
    if (!this.signer) return null;
    return getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }), {
      expiresIn: this.expiresIn,
    });
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // A folder, as on a filesystem: `a/b` lists `a/b/…`, not `a/bc`.
    const folder = prefix.replace(/\/+$/, '');
    if (folder !== '') checkKey(folder);
    const s3Prefix = this.prefix + (folder === '' ? '' : `${folder}/`);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: s3Prefix,
          ContinuationToken: token,
          MaxKeys: this.pageSize,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async move(from: string, to: string): Promise<void> {
    const info = await this.stat(from);
    if (!info) throw new NotFoundError(from);
    if (from === to) return; // S3 refuses to copy an object onto itself; and deleting it would lose it
    try {
      await copyObject(this.target, this.s3Key(from), this.s3Key(to), info.size, this.copyConcurrency);
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(from);
      throw err;
    }
    await this.delete(from);
  }

  // ---------------------------------------------------------------- uploads

  private uploadFolder(id: string): string {
    checkId(id);
    return `${this.prefix}uploads/${id}/`;
  }

  private pieceKey(id: string, piece: Piece): string {
    return this.uploadFolder(id) + piece.name;
  }

  private async readPieces(id: string, pieces: Piece[]): Promise<Buffer> {
    const buffers: Buffer[] = [];
    for (const piece of pieces) {
      if (used(piece) === 0) continue;
      const { body } = await this.open(this.pieceKey(id, piece), `uploads/${id}/${piece.name}`, {
        start: 0,
        end: used(piece) - 1,
      });
      for await (const chunk of body) buffers.push(chunk as Buffer);
    }
    return Buffer.concat(buffers);
  }

  async uploadStart(id: string): Promise<UploadState> {
    checkId(id);
    // Nothing to create: an upload's objects appear with its first bytes.
    return emptyState();
  }

  async uploadAppend(
    id: string,
    state: UploadState,
    offset: number,
    source: AsyncIterable<Buffer>,
  ): Promise<{ state: UploadState; written: number }> {
    checkId(id);
    // Bytes past `offset` belong to no state we keep: cutting the state drops them.
    const current = truncateState(parseState(state), offset);
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      // Gather new bytes until, with the pending ones, they make a part.
      const pendingBytes = total(current.pending);
      const head: Buffer[] = [];
      let written = 0;
      while (pendingBytes + written < MIN_PART) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        head.push(next.value);
        written += next.value.length;
      }
      if (exhausted) {
        if (written === 0) return { state: current, written };
        return { state: await this.addPending(id, current, head, written), written };
      }
      // A new segment: the pending bytes, the new ones, and the rest of the source.
      const piece = newPiece('s', stateSize(current));
      const writer = new StreamingObjectWriter(
        this.target,
        this.pieceKey(id, piece),
        this.partSize,
        this.partConcurrency,
      );
      try {
        if (pendingBytes > 0) await writer.write(await this.readPieces(id, current.pending));
        for (const chunk of head) await writer.write(chunk);
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          await writer.write(next.value);
          written += next.value.length;
        }
        exhausted = true;
        piece.size = await writer.finish();
      } catch (err) {
        await writer.abort();
        throw err;
      }
      const next: S3UploadState = { v: 1, segments: [...current.segments, piece], pending: [] };
      return { state: next, written };
    } finally {
      if (!exhausted) await iterator.return?.().catch(() => {});
    }
  }

  /** Stores new bytes (fewer than a part with the pending ones) as a pending piece. */
  private async addPending(id: string, state: S3UploadState, chunks: Buffer[], bytes: number): Promise<S3UploadState> {
    let pending = state.pending;
    let body = Buffer.concat(chunks, bytes);
    if (pending.length >= MAX_PENDING) {
      // Too many small pieces: merge them into one (the old ones stay for older states).
      body = Buffer.concat([await this.readPieces(id, pending), body]);
      pending = [];
    }
    const piece = newPiece('p', total(state.segments) + total(pending));
    piece.size = body.length;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.pieceKey(id, piece),
        Body: body,
        ContentLength: body.length,
      }),
    );
    return { v: 1, segments: state.segments, pending: [...pending, piece] };
  }

  async uploadReader(id: string, state: UploadState, size: number): Promise<Readable> {
    checkId(id);
    const upload = truncateState(parseState(state), size);
    const pieces = [...upload.segments, ...upload.pending];
    const open = (piece: Piece) =>
      this.open(this.pieceKey(id, piece), `uploads/${id}/${piece.name}`, { start: 0, end: used(piece) - 1 });
    // Open the first piece now, so that a missing upload fails here rather than mid-stream.
    const first = pieces.length > 0 && used(pieces[0]) > 0 ? await open(pieces[0]) : null;
    async function* bytes(): AsyncIterable<Buffer> {
      for (const [index, piece] of pieces.entries()) {
        if (used(piece) === 0) continue;
        const { body } = index === 0 && first ? first : await open(piece);
        for await (const chunk of body) yield chunk as Buffer;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async uploadCommit(id: string, state: UploadState, size: number, key: string): Promise<void> {
    checkId(id);
    const upload = truncateState(parseState(state), size);
    const target = this.s3Key(key);
    const { segments, pending } = upload;
    const whole = (piece: Piece) => used(piece) === piece.size;
    if (size === 0) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: Buffer.alloc(0), ContentLength: 0 }),
      );
    } else if (segments.length === 0 && pending.length > 1) {
      const body = await this.readPieces(id, pending); // under 5 MiB
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: body, ContentLength: body.length }),
      );
    } else if (segments.length + pending.length === 1 && whole([...segments, ...pending][0])) {
      const only = [...segments, ...pending][0];
      await copyObject(this.target, this.pieceKey(id, only), target, only.size, this.copyConcurrency);
    } else {
      const parts: AssemblyPart[] = segments.flatMap((piece) => copyParts(this.pieceKey(id, piece), used(piece)));
      if (pending.length === 1) {
        parts.push({ kind: 'copy', key: this.pieceKey(id, pending[0]), start: 0, end: used(pending[0]) - 1 });
      } else if (pending.length > 1) {
        parts.push({ kind: 'bytes', body: () => this.readPieces(id, pending) });
      }
      await assemble(this.target, target, parts, this.copyConcurrency);
    }
    const made = await this.stat(key);
    if (made?.size !== size) throw new Error(`commit of upload ${id} made ${made?.size} bytes, not ${size}`);
    // The blob is in place; what is left is garbage a later abort or sweep can also remove.
    await this.removeUploadFolder(id).catch(() => {});
  }

  async uploadAbort(id: string, _state: UploadState): Promise<void> {
    await this.removeUploadFolder(id);
  }

  /** Deletes every object and aborts every multipart upload under `uploads/<id>/`. */
  private async removeUploadFolder(id: string): Promise<void> {
    const folder = this.uploadFolder(id);
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: folder, ...marker }),
      );
      for (const upload of page.Uploads ?? []) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }))
          .catch((err: unknown) => {
            if ((err as { name?: string })?.name !== 'NoSuchUpload') throw err;
          });
      }
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
    const keys: string[] = [];
    for await (const object of this.list(folder.slice(this.prefix.length))) keys.push(this.prefix + object.key);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0)
        throw new Error(`could not delete ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
  }
}

function newPiece(kind: 's' | 'p', offset: number): Piece {
  return { name: `${kind}-${offset}-${randomBytes(6).toString('hex')}`, size: 0 };
}

/**
 * Writes `src` into `dest` (without ending it), pausing while `dest` is full.
 * Resolves with the byte count once `dest` has taken the last chunk.
 */
async function pump(src: Readable, dest: Writable): Promise<number> {
  let sent = 0;
  let last: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of src) {
      if (dest.destroyed || dest.writableEnded) throw new Error('destination closed');
      const buffer = chunk as Buffer;
      sent += buffer.length;
      last = new Promise<void>((resolve, reject) => dest.write(buffer, (err) => (err ? reject(err) : resolve())));
      last.catch(() => {}); // awaited below
      if (dest.writableNeedDrain) await drained(dest);
    }
    await last;
    return sent;
  } catch (err) {
    src.destroy();
    throw err;
  }
}

function drained(dest: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      dest.off('drain', onDrain);
      dest.off('close', onClose);
      dest.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('destination closed'));
    const onError = (err: Error) => done(err);
    dest.once('drain', onDrain);
    dest.once('close', onClose);
    dest.once('error', onError);
  });
}
