/**
 * Blob uploads: bytes arrive over one or more requests, are hashed while they
 * are written, and become a blob only once whole and verified.
 */

import { randomUUID } from 'node:crypto';
import { blobKey, newHash, parseDigest } from './digest.ts';
import { digestInvalid, RegistryError, uploadUnknown } from './errors.ts';
import { anonymousCaller, type Caller, type RegistryHooks } from './hooks.ts';
import { assertName } from './names.ts';
import {
  type Clock,
  type MetadataStore,
  NotFoundError,
  type RunningHash,
  type RunningHashFactory,
  type StorageDriver,
  type UploadRecord,
} from './ports.ts';

const COMMITTED = Symbol('committed');
/**
 * Kept in the upload's state (next to the driver's own keys) just before its
 * bytes are renamed to a digest's key: the proof, after a crash, that the
 * object under that key is this session's commit and not another project's blob.
 */
const COMMITTING = 'berthCommittingDigest';

/** What the HTTP layer knows about an append: an optional Content-Range and length. */
export interface AppendOptions {
  /** First byte of this chunk, from `Content-Range: start-end`, if sent. */
  start?: number;
  /** Declared length of the chunk (Content-Length or range length), if known. */
  length?: number;
}

/** What an in-process caller (a proxy fill) may add to a monolithic upload. */
export interface MonolithicOptions extends AppendOptions {
  /**
   * The caller's own digest of exactly the buffers it passes as the body
   * (it hashed them as they came, once): taken instead of hashing them
   * again, and checked against the upload's digest like the upload's own
   * hash. Never from a client: only code that hashed the same buffers.
   */
  bodyDigest?: Promise<string>;
}

interface LiveHash {
  hash: RunningHash;
  size: number;
}

export class Uploads {
  /** Running SHA-256 of uploads appended in this process, keyed by upload id. */
  private readonly hashes = new Map<string, LiveHash>();
  /** Uploads with a request in progress in this process. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly clock: Clock,
    private readonly newRunningHash: RunningHashFactory,
    private readonly hooks?: RegistryHooks,
  ) {}

  /**
   * Waits until no garbage collection is deleting `digest` (set by the GC
   * feature; a no-op without it). Called after a link is made and before the
   * blob's record is read, so the record read is final: see gc-collector.ts.
   */
  blobSettled: (digest: string) => Promise<void> = async () => {};

  async start(repository: string): Promise<UploadRecord> {
    assertName(repository);
    const id = randomUUID();
    const state = await this.storage.uploadStart(id);
    const now = this.clock.now().toISOString();
    const record: UploadRecord = { id, repository, size: 0, state, createdAt: now, updatedAt: now };
    // The repository itself appears once a blob is linked to it (finish, mount, manifest push):
    // an abandoned upload leaves no empty repository in the catalog.
    try {
      await this.metadata.createUpload(record);
    } catch (err) {
      // No session record, no file: nothing would ever clean it up.
      await this.storage.uploadAbort(id, state).catch(() => {});
      throw err;
    }
    this.hashes.set(id, { hash: this.newRunningHash(), size: 0 });
    return record;
  }

  /** A running SHA-256 where uploads hash (the hashing thread), for a caller that hashes a body it stores here. */
  runningHash(): RunningHash {
    return this.newRunningHash();
  }

  async get(repository: string, id: string): Promise<UploadRecord> {
    assertName(repository);
    const record = /^[0-9a-f-]{36}$/.test(id) ? await this.metadata.getUpload(id) : null;
    if (!record || record.repository !== repository) throw uploadUnknown(id);
    return record;
  }

  /** Appends a chunk; refuses one that does not start where the upload ends. */
  async append(
    repository: string,
    id: string,
    body: AsyncIterable<Buffer>,
    opts: AppendOptions = {},
  ): Promise<UploadRecord> {
    return this.exclusive(id, async () => this.appendUnlocked(await this.get(repository, id), body, opts));
  }

  /** Completes an upload with an optional last chunk, verifying `digest`. */
  async finish(
    repository: string,
    id: string,
    digest: string,
    body: AsyncIterable<Buffer> | null,
    opts: AppendOptions = {},
    caller: Caller = anonymousCaller,
  ): Promise<{ digest: string; size: number }> {
    const { algorithm } = parseDigest(digest);
    return this.exclusive(id, async () => {
      let record = await this.get(repository, id);
      if (body) {
        // A body from the first byte is the whole upload: the driver may write it straight to the blob's key.
        const whole = record.size === 0 ? { key: blobKey(digest) } : undefined;
        record = await this.appendUnlocked(record, body, opts, whole);
      }
      const actual = await this.digestOf(record, algorithm).catch(async (err) => {
        if (!(err instanceof NotFoundError)) throw err;
        return this.rollForward(repository, record, digest);
      });
      if (actual === COMMITTED) return { digest, size: record.size };
      if (actual !== digest) {
        await this.discard(record);
        throw digestInvalid('provided digest did not match uploaded content', { expected: digest, actual });
      }
      // Quota and other guards: refused, the upload's bytes go and nothing is stored.
      if (this.hooks?.has('beforeBlobLink')) {
        try {
          await this.hooks.check('beforeBlobLink', { repository, digest, size: record.size, via: 'upload', caller });
        } catch (err) {
          await this.discard(record);
          throw err;
        }
      }
      // Linked first: a garbage collection running now keeps a blob with a fresh link, or has
      // already taken it (then blobSettled waits until its bytes are gone and this upload stores them again).
      await this.metadata.ensureRepository(repository);
      await this.metadata.linkBlob(repository, digest);
      await this.blobSettled(digest);
      const known = await this.metadata.blobSize(digest);
      if (known === null) {
        await this.metadata.updateUpload(record.id, record.size, { ...record.state, [COMMITTING]: digest });
        await this.storage.uploadCommit(record.id, record.state, record.size, blobKey(digest));
        await this.metadata.recordBlob(digest, record.size);
      } else {
        // Already stored (deduplication): the new bytes are not needed.
        await this.storage.uploadAbort(record.id, record.state).catch(() => {});
      }
      await this.metadata.deleteUpload(record.id);
      this.forgetHash(record.id);
      return { digest, size: record.size };
    });
  }

  /**
   * The session's bytes are gone: a crash came between the rename into
   * blobs/ and the metadata update. The session may finish only if it had
   * itself verified `digest` and started that rename (its state says so):
   * a blob of the same size under that digest may otherwise be another
   * project's, and linking it here would hand it to this repository.
   * Anything else cannot be finished.
   */
  private async rollForward(repository: string, record: UploadRecord, digest: string): Promise<typeof COMMITTED> {
    const stored = record.state[COMMITTING] === digest ? await this.storage.stat(blobKey(digest)) : null;
    if (stored?.size !== record.size) {
      await this.metadata.deleteUpload(record.id);
      throw uploadUnknown(record.id);
    }
    await this.metadata.recordBlob(digest, record.size);
    await this.metadata.ensureRepository(repository);
    await this.metadata.linkBlob(repository, digest);
    await this.metadata.deleteUpload(record.id);
    return COMMITTED;
  }

  /**
   * A whole blob in one request (POST ?digest=): stored and verified, or
   * nothing left behind. No client knows this session's id, so a failure of
   * any kind (bad digest, short or cut-off body) discards it.
   */
  async monolithic(
    repository: string,
    digest: string,
    body: AsyncIterable<Buffer>,
    opts: MonolithicOptions = {},
    caller: Caller = anonymousCaller,
  ): Promise<{ digest: string; size: number }> {
    const { algorithm } = parseDigest(digest);
    const upload = await this.start(repository);
    const given = opts.bodyDigest;
    if (given && algorithm === 'sha256') {
      // The body is all of this upload: the caller's digest of it stands in for the running hash.
      this.forgetHash(upload.id);
      this.hashes.set(upload.id, { hash: adoptedHash(given), size: 0 });
    }
    try {
      return await this.finish(repository, upload.id, digest, body, opts, caller);
    } catch (err) {
      const current = await this.metadata.getUpload(upload.id);
      if (current) await this.discard(current);
      throw err;
    }
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.exclusive(id, async () => this.discard(await this.get(repository, id)));
  }

  private forgetHash(id: string): void {
    this.hashes.get(id)?.hash.drop();
    this.hashes.delete(id);
  }

  private async discard(record: UploadRecord): Promise<void> {
    this.forgetHash(record.id);
    await this.storage.uploadAbort(record.id, record.state).catch(() => {});
    await this.metadata.deleteUpload(record.id);
  }

  private async appendUnlocked(
    record: UploadRecord,
    body: AsyncIterable<Buffer>,
    opts: AppendOptions,
    whole?: { key: string },
  ): Promise<UploadRecord> {
    if (opts.start !== undefined && opts.start !== record.size) {
      throw new RegistryError('RANGE_INVALID', 'chunk does not start at the end of the upload', {
        expected: record.size,
        received: opts.start,
      });
    }
    // Taken out while it runs: a failed append leaves a hash of bytes the upload does not hold.
    const live = this.hashes.get(record.id);
    this.hashes.delete(record.id);
    if (live && live.size !== record.size) live.hash.drop(); // appended elsewhere or torn
    const hash = live?.size === record.size ? live.hash : undefined;
    let counted = 0;
    async function* hashing(): AsyncIterable<Buffer> {
      for await (const chunk of body) {
        const wait = hash?.update(chunk);
        if (wait) await wait;
        counted += chunk.length;
        yield chunk;
      }
    }
    let kept = false;
    try {
      const { state, written } = await this.storage.uploadAppend(
        record.id,
        record.state,
        record.size,
        hashing(),
        whole,
      );
      if (written !== counted) throw new Error(`driver wrote ${written} of ${counted} bytes`);
      if (opts.length !== undefined && opts.length !== written) {
        // A short body: keep the upload where it was so the client can retry the chunk.
        throw new RegistryError('SIZE_INVALID', 'chunk length does not match its declared length', {
          declared: opts.length,
          received: written,
        });
      }
      const size = record.size + written;
      await this.metadata.updateUpload(record.id, size, state);
      if (hash) {
        hash.settle(); // the client may never come back: hold no buffer until it does
        this.hashes.set(record.id, { hash, size });
        kept = true;
      }
      return { ...record, size, state, updatedAt: this.clock.now().toISOString() };
    } finally {
      if (!kept) hash?.drop();
    }
  }

  /** The digest of the upload's bytes: the running hash, or a re-read after a restart. */
  private async digestOf(record: UploadRecord, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const live = this.hashes.get(record.id);
    this.hashes.delete(record.id);
    if (algorithm === 'sha256' && live && live.size === record.size) {
      const hex = await live.hash.digest().catch(() => null); // null: the hashing thread failed
      if (hex) return `sha256:${hex}`;
    } else {
      live?.hash.drop();
    }
    const hash = newHash(algorithm);
    const reader = await this.storage.uploadReader(record.id, record.state, record.size);
    for await (const chunk of reader) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}`;
  }

  private async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) {
      throw new RegistryError('RANGE_INVALID', 'another request is writing to this upload', { id });
    }
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }
}

/**
 * A running hash whose digest the caller computed over the same bytes
 * (`MonolithicOptions.bodyDigest`): updates cost nothing; the digest is the
 * caller's (an algorithm prefix removed). A rejected digest makes the upload
 * re-read its bytes to verify them, as after a restart.
 */
function adoptedHash(given: Promise<string>): RunningHash {
  given.catch(() => {}); // settles long before it is asked for; a rejection is handled then
  return {
    update: () => undefined,
    settle() {},
    digest: async () => (await given).replace(/^sha256:/, ''),
    drop() {},
  };
}
