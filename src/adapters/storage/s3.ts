/**
 * S3 storage driver (AWS S3, Ceph RGW, MinIO… through @aws-sdk/client-s3).
 * Layout under the bucket and `prefix`:
 *   blobs/<alg>/<2 hex>/<hex>   content-addressed blobs and manifests
 *   uploads/<id>/<piece>        bytes of uploads in progress (see s3-upload-state.ts)
 *   uploads/<id>/direct-<hex>   marker of a whole upload sent straight to its blob's key
 * Whole objects appear atomically: PutObject, CopyObject and
 * CompleteMultipartUpload all make an object visible whole or not at all.
 *
 * Uploads stream through multipart uploads into objects of their own and
 * are assembled server-side at commit (s3-uploads.ts); a blob sent whole in
 * one request goes straight to its key, completed at commit (s3-direct-upload.ts).
 */
import type { Readable, Writable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ByteRange, ObjectInfo, StorageDriver, UploadState } from '../../core/ports.ts';
import { NotFoundError } from '../../core/ports.ts';
import { abortMarked } from './s3-direct-upload.ts';
import { type Bucket, copyObject } from './s3-multipart.ts';
import { checkKey, headSize, isMissing, Limiter, listObjects, openObject, pump, RangeSource } from './s3-objects.ts';
import { isMarker, MIN_PART } from './s3-upload-state.ts';
import { S3Uploads } from './s3-uploads.ts';
import { SharedReads } from './shared-reads.ts';

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
  /**
   * Bytes per uploaded part, default 8 MiB, at least 5 MiB (doubling every 1,000 parts of an object).
   * Memory per upload ≈ (partConcurrency + 1) × partSize.
   */
  partSize?: number;
  /** Parts of one append uploaded at once, default 4. */
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

/**
 * Downloads of content-addressed objects (blobs/…) that start while another
 * download of the same blob is under way share ranged GETs of 4 MiB chunks
 * (RGW's stripe size): one GET per chunk for all of them, at most SHARED_GETS
 * at once, at most 96 MiB held, one chunk fetched ahead. In a pull storm, 200
 * object streams starved the S3 server until some delivered nothing for
 * minutes (bench/FINDINGS.md). A lone download streams the object as before:
 * one GET, no chunk held, and faster than chunks fetched one by one.
 */
const SHARED_CHUNK = 4 * 1024 * 1024;
const SHARED_BUDGET = 96 * 1024 * 1024;
const SHARED_GETS = 6;
const SHARED_PREFIX = 'blobs/';

/**
 * 8 MiB, four in flight and one filling per upload: 16 MiB parts made the resident peak on S3 2× Distribution's
 * (FINDINGS, session 8); two in flight left RGW waiting between parts (session 15).
 */
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_PARTS_IN_FLIGHT = 4;
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
  private readonly copyConcurrency: number;
  private readonly expiresIn: number;
  private readonly pageSize: number;
  private readonly target: Bucket;
  private readonly uploads: S3Uploads;
  private readonly shared = new SharedReads(SHARED_CHUNK, SHARED_BUDGET, 1024 * 1024, 4, 1);
  private readonly gets = new Limiter(SHARED_GETS);

  constructor(options: S3DriverOptions) {
    if (!options.bucket) throw new Error('S3 driver: bucket is required');
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART || partSize > 5 * 1024 ** 3) {
      throw new Error('S3 driver: partSize must be between 5 MiB and 5 GiB');
    }
    const partConcurrency = Math.max(1, options.partConcurrency ?? DEFAULT_PARTS_IN_FLIGHT);
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
    this.uploads = new S3Uploads(this.target, {
      prefix: this.prefix,
      partSize,
      partConcurrency,
      copyConcurrency: this.copyConcurrency,
    });
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
    const size = await headSize(this.target, this.s3Key(key));
    return size === null ? null : { key, size };
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

  async send(key: string, dest: Writable, range?: ByteRange): Promise<void> {
    if (key.startsWith(SHARED_PREFIX)) return this.sendShared(key, dest, range);
    const { body, expected } = await openObject(this.target, this.s3Key(key), key, range);
    const sent = await pump(body, dest);
    if (sent !== expected) throw new Error(`object ${key}: sent ${sent} of ${expected} bytes`);
  }

  /** `send` of an immutable object: its chunks fetched once for every download of it under way (shared-reads.ts). */
  private async sendShared(key: string, dest: Writable, range?: ByteRange): Promise<void> {
    const s3Key = this.s3Key(key);
    if (range && (range.start < 0 || range.end < range.start)) {
      throw new Error(`invalid range ${range.start}-${range.end}`);
    }
    const alone = !this.shared.isOpen(s3Key);
    const close = this.shared.open(s3Key);
    try {
      if (alone) {
        const { body, expected } = await openObject(this.target, s3Key, key, range);
        const sent = await pump(body, dest);
        if (sent !== expected) throw new Error(`object ${key}: sent ${sent} of ${expected} bytes`);
        return;
      }
      const size = await this.shared.sizeOf(s3Key, async () => {
        const size = await headSize(this.target, s3Key);
        if (size === null) throw new NotFoundError(key);
        return size;
      });
      if (range && range.end + 1 > size) throw new Error(`range ${range.start}-${range.end} is outside ${key}`);
      const source = new RangeSource(this.target, s3Key, key, this.gets);
      await this.shared.send(s3Key, source, dest, range?.start ?? 0, range ? range.end + 1 : size, size);
    } finally {
      close();
    }
  }

  async reader(key: string, range?: ByteRange): Promise<Readable> {
    return (await openObject(this.target, this.s3Key(key), key, range)).body;
  }

  async redirectUrl(key: string): Promise<string | null> {
    if (!this.signer) return null;
    return getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket, Key: this.s3Key(key) }), {
      expiresIn: this.expiresIn,
    });
  }

  async delete(key: string): Promise<void> {
    const s3Key = this.s3Key(key);
    // A direct upload's marker (fsck removing upload bytes without a session): its multipart upload goes with it.
    if (key.startsWith('uploads/') && isMarker(key.slice(key.lastIndexOf('/') + 1)))
      await abortMarked(this.target, s3Key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key }));
  }

  /** DeleteObjects of up to 1,000 keys a call, `deleteConcurrency` calls at once (default 4). */
  async deleteMany(keys: string[], deleteConcurrency = 4): Promise<void> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
    const one = async (batch: string[]) => {
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((k) => ({ Key: this.s3Key(k) })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0)
        throw new Error(`could not delete ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    };
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await one(batches[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(deleteConcurrency, batches.length) }, worker));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // A folder, as on a filesystem: `a/b` lists `a/b/…`, not `a/bc`.
    const folder = prefix.replace(/\/+$/, '');
    if (folder !== '') checkKey(folder);
    const s3Prefix = this.prefix + (folder === '' ? '' : `${folder}/`);
    for await (const object of listObjects(this.target, s3Prefix, this.pageSize)) {
      yield { key: object.key.slice(this.prefix.length), size: object.size };
    }
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

  // ---------------------------------------------------------------- uploads (s3-uploads.ts)

  uploadStart(id: string): Promise<UploadState> {
    return this.uploads.start(id);
  }

  uploadAppend(
    id: string,
    state: UploadState,
    offset: number,
    source: AsyncIterable<Buffer>,
    whole?: { key: string },
  ): Promise<{ state: UploadState; written: number }> {
    return this.uploads.append(id, state, offset, source, whole && this.s3Key(whole.key));
  }

  uploadReader(id: string, state: UploadState, size: number): Promise<Readable> {
    return this.uploads.reader(id, state, size);
  }

  uploadCommit(id: string, state: UploadState, size: number, key: string): Promise<void> {
    return this.uploads.commit(id, state, size, this.s3Key(key));
  }

  uploadAbort(id: string, _state: UploadState): Promise<void> {
    return this.uploads.remove(id); // a direct upload's marker lies in the folder too
  }
}
