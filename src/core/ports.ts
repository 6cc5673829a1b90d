/**
 * The ports the core needs. Adapters implement them; only src/server names
 * concrete adapters.
 */
import type { Readable, Writable } from 'node:stream';

// ---------------------------------------------------------------- storage

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

/**
 * Opaque, JSON-serialisable state a driver keeps for an upload in progress
 * (a multipart upload id and its parts, say). The core stores it in the
 * metadata store so an upload can continue after a restart or on another node.
 */
export type UploadState = Record<string, unknown>;

/**
 * Storage driver: a small key/object store. Keys are relative slash paths
 * (`blobs/sha256/ab/ab…`, `uploads/<id>`). Writes of whole objects are atomic:
 * a reader sees either nothing or the whole object.
 */
export interface StorageDriver {
  readonly name: string;
  stat(key: string): Promise<ObjectInfo | null>;
  /** Reads a small object whole (manifests). Null when absent. */
  get(key: string): Promise<Buffer | null>;
  /** Atomically writes a small object (manifests). */
  put(key: string, data: Buffer): Promise<void>;
  /**
   * Writes the object (or `range` of it) to `dest` without ending it. Resolves
   * once every byte was accepted by `dest`. Throws NotFoundError when absent.
   * A driver may reuse a chunk's buffer once that write's callback has run, so
   * `dest` must be done with a chunk by then (sockets are; a collecting sink
   * must copy).
   */
  send(key: string, dest: Writable, range?: ByteRange): Promise<void>;
  /** A readable stream of the object (or `range`). Throws NotFoundError when absent. */
  reader(key: string, range?: ByteRange): Promise<Readable>;
  /** Optional: a URL a client may fetch the object from directly (presigned). */
  redirectUrl?(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /**
   * Optional: deletes many objects (absent ones are no error), in as few
   * requests as the store allows (S3: DeleteObjects of up to 1,000 keys); a
   * filesystem also removes the folders this leaves empty. GC uses it.
   */
  deleteMany?(keys: string[]): Promise<void>;
  /** Every object under the folder `prefix` (`a/b/` lists `a/b/…`, never `a/bc`), in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Optional: throws (STORAGE_FULL / STORAGE_UNAVAILABLE) when objects cannot be written now (health, start). */
  checkWritable?(): Promise<void>;
  /** Moves an object, overwriting the target (quarantine, repairs). */
  move(from: string, to: string): Promise<void>;

  // Uploads: bytes arrive in order, possibly over several requests and nodes.
  /** Starts an upload; returns its initial state. */
  uploadStart(id: string): Promise<UploadState>;
  /**
   * Appends `source` at `offset` (the size confirmed so far; bytes past it from
   * an interrupted append are discarded). Resolves with the new state and the
   * number of bytes appended. `whole.key`: `source` is the whole upload, and
   * the commit, if any, will be to that key: a driver may write the bytes
   * there at once, as long as nothing is visible there before the commit (S3:
   * an open multipart upload), and the upload then takes no further append.
   */
  uploadAppend(
    id: string,
    state: UploadState,
    offset: number,
    source: AsyncIterable<Buffer>,
    whole?: { key: string },
  ): Promise<{ state: UploadState; written: number }>;
  /** Reads back the first `size` bytes of an upload (rehashing after a restart). */
  uploadReader(id: string, state: UploadState, size: number): Promise<Readable>;
  /** Makes the upload's first `size` bytes the object `key`, durably and atomically. */
  uploadCommit(id: string, state: UploadState, size: number, key: string): Promise<void>;
  uploadAbort(id: string, state: UploadState): Promise<void>;
}

export class NotFoundError extends Error {
  constructor(key: string) {
    super(`object not found: ${key}`);
    this.name = 'NotFoundError';
  }
}

// ---------------------------------------------------------------- metadata

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subject: string | null;
  configDigest: string | null;
  /** JSON text of the manifest's annotations, or null. */
  annotations: string | null;
  createdAt: string;
}

export interface ManifestReference {
  digest: string;
  kind: 'blob' | 'manifest';
}

export interface UploadRecord {
  id: string;
  repository: string;
  size: number;
  state: UploadState;
  createdAt: string;
  updatedAt: string;
}

export interface Page {
  /** Maximum number of entries; undefined for all. */
  n?: number;
  /** Return entries lexically after this one. */
  last?: string;
}

export interface TagRecord {
  name: string;
  digest: string;
  updatedAt: string;
}

export interface MetadataStore {
  migrate(): Promise<void>;
  close(): Promise<void>;

  // repositories
  ensureRepository(name: string): Promise<void>;
  repositoryExists(name: string): Promise<boolean>;
  listRepositories(page: Page): Promise<string[]>;
  deleteRepository(name: string): Promise<boolean>;
  /** A manifest of the repository that references the blob (layer, config, child), or null. */
  blobReferencedBy(repository: string, digest: string): Promise<string | null>;

  // blobs: `blobs` are stored objects; a repository sees those linked to it
  recordBlob(digest: string, size: number): Promise<void>;
  /** The size of a blob linked to the repository, or null. */
  repositoryBlobSize(repository: string, digest: string): Promise<number | null>;
  /** The size of a stored blob, whatever repository it is in, or null. */
  blobSize(digest: string): Promise<number | null>;
  linkBlob(repository: string, digest: string): Promise<void>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;
  /** Of `digests`, those not linked to the repository. */
  missingBlobs(repository: string, digests: string[]): Promise<string[]>;
  allBlobs(): AsyncIterable<{ digest: string; size: number }>;
  /** Removes a stored blob and all links to it (fsck repair, GC). */
  forgetBlob(digest: string): Promise<void>;

  // manifests and tags
  manifestByDigest(repository: string, digest: string): Promise<ManifestRecord | null>;
  manifestByTag(repository: string, tag: string): Promise<ManifestRecord | null>;
  /** Of `digests`, those that are not manifests of the repository. */
  missingManifests(repository: string, digests: string[]): Promise<string[]>;
  /** Stores a manifest, its references and optional tag in one transaction. */
  putManifest(repository: string, manifest: ManifestRecord, refs: ManifestReference[], tag?: string): Promise<void>;
  /** Deletes a manifest and the tags pointing at it. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  listTags(repository: string, page: Page): Promise<string[]>;
  tagsOf(repository: string, digest: string): Promise<string[]>;
  /** Manifests of the repository whose subject is `digest`. */
  referrers(repository: string, digest: string): Promise<ManifestRecord[]>;
  references(repository: string, digest: string): Promise<ManifestReference[]>;
  allManifests(): AsyncIterable<{ repository: string; manifest: ManifestRecord }>;

  // uploads
  createUpload(upload: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | null>;
  updateUpload(id: string, size: number, state: UploadState): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploads(): Promise<UploadRecord[]>;
}

// ---------------------------------------------------------------- hashing

/**
 * A SHA-256 running over an upload's bytes as they arrive; an implementation
 * may compute it off the event loop.
 */
export interface RunningHash {
  /**
   * Adds bytes. A returned promise asks the caller to wait before the next
   * update (backpressure); `chunk` must stay unchanged until then.
   */
  update(chunk: Buffer): Promise<void> | undefined;
  /**
   * No bytes will come for a while (the request ended; the upload may never
   * continue): an implementation hands over anything it holds back.
   */
  settle(): void;
  /** The hex digest of everything added; the hash is finished. */
  digest(): Promise<string>;
  /** Forgets the hash (upload discarded or its state lost). */
  drop(): void;
}

export type RunningHashFactory = () => RunningHash;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
