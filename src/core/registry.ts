/**
 * The registry's use-cases: what /v2 does, free of HTTP. Everything it needs
 * from the outside world comes through the ports.
 */
import type { Writable } from 'node:stream';
import { ByteCache } from './bytecache.ts';
import { blobKey, digestOf, inlineHash, isDigest, parseDigest } from './digest.ts';
import { blobUnknown, digestInvalid, manifestUnknown, nameUnknown, RegistryError } from './errors.ts';
import { anonymousCaller, type Caller, type RegistryEvent, RegistryHooks } from './hooks.ts';
import { IsoClock } from './iso-time.ts';
import { type ParsedManifest, parseManifest } from './manifest.ts';
import { OCI_INDEX } from './mediatypes.ts';
import { assertName, isValidName, isValidTag } from './names.ts';
import type {
  ByteRange,
  Clock,
  ManifestRecord,
  MetadataStore,
  Page,
  RunningHashFactory,
  StorageDriver,
} from './ports.ts';
import { NotFoundError, systemClock } from './ports.ts';
import type { RemoteContent } from './remote.ts';
import { Uploads } from './uploads.ts';

export interface RegistryOptions {
  storage: StorageDriver;
  metadata: MetadataStore;
  clock?: Clock;
  /** Bytes of manifests kept in memory. */
  manifestCacheBytes?: number;
  /** Where uploads are hashed; on the calling thread by default. */
  hashes?: RunningHashFactory;
  /** Where a failing event listener is reported (a log line); never the client. */
  onListenerError?: (err: unknown, event: RegistryEvent) => void;
}

export interface ManifestContent {
  record: ManifestRecord;
  bytes: Buffer;
}

export interface PutManifestResult {
  digest: string;
  subject: string | null;
}

export class Registry {
  readonly storage: StorageDriver;
  readonly metadata: MetadataStore;
  readonly uploads: Uploads;
  /** Guards (quota, immutability, gates) and event listeners of optional features. */
  readonly hooks: RegistryHooks;
  private readonly clock: Clock;
  private readonly isoClock = new IsoClock();
  private readonly manifestBytes: ByteCache;
  /** Proxy-cache and group projects' source of pulls (set by their feature); null: everything is hosted. */
  remote: RemoteContent | null = null;

  constructor(options: RegistryOptions) {
    this.storage = options.storage;
    this.metadata = options.metadata;
    this.clock = options.clock ?? systemClock;
    this.hooks = new RegistryHooks(options.onListenerError);
    this.uploads = new Uploads(this.storage, this.metadata, this.clock, options.hashes ?? inlineHash, this.hooks);
    this.manifestBytes = new ByteCache(options.manifestCacheBytes ?? 64 * 1024 * 1024);
  }

  private now(): string {
    return this.isoClock.iso(this.clock.now().getTime());
  }

  // ------------------------------------------------------------ blobs

  /** The size of a blob visible in `repository`; BLOB_UNKNOWN otherwise. */
  async blobSize(repository: string, digest: string): Promise<number> {
    assertName(repository);
    parseDigest(digest);
    const size = await this.metadata.repositoryBlobSize(repository, digest);
    if (size === null) throw blobUnknown(digest);
    return size;
  }

  async sendBlob(digest: string, dest: Writable, range?: ByteRange): Promise<void> {
    try {
      await this.storage.send(blobKey(digest), dest, range);
    } catch (err) {
      if (err instanceof NotFoundError) throw blobUnknown(digest);
      throw err;
    }
  }

  /** Where a client may fetch the blob straight from storage (a presigned URL); null: Berth sends it. */
  async blobRedirect(digest: string): Promise<string | null> {
    return (await this.storage.redirectUrl?.(blobKey(digest))) ?? null;
  }

  /** The bytes of a small blob (an image config) for inspection; null when storage cannot give them. */
  async blobBytes(digest: string): Promise<Buffer | null> {
    return this.storage.get(blobKey(digest)).catch(() => null);
  }

  async deleteBlob(repository: string, digest: string): Promise<void> {
    assertName(repository);
    parseDigest(digest);
    const user = await this.metadata.blobReferencedBy(repository, digest);
    if (user)
      throw new RegistryError(
        'BLOB_REFERENCED',
        `blob is referenced by manifest ${user} in ${repository}: delete the manifest first`,
        { digest, manifest: user },
      );
    if (!(await this.metadata.unlinkBlob(repository, digest))) throw blobUnknown(digest);
  }

  /**
   * Cross-repository mount: links a blob of `from` into `repository`.
   * Returns false when `from` does not have it (the caller starts an upload).
   */
  async mountBlob(
    repository: string,
    digest: string,
    from: string,
    caller: Caller = anonymousCaller,
  ): Promise<boolean> {
    assertName(repository);
    parseDigest(digest);
    if (!isValidName(from)) return false;
    const size = await this.metadata.repositoryBlobSize(from, digest);
    if (size === null) return false;
    await this.hooks.check('beforeBlobLink', { repository, digest, size, via: 'mount', caller });
    await this.metadata.ensureRepository(repository);
    await this.metadata.linkBlob(repository, digest);
    // A garbage collection may have taken the blob between the check above and the link.
    await this.uploads.blobSettled(digest);
    if ((await this.metadata.blobSize(digest)) === null) {
      await this.metadata.unlinkBlob(repository, digest);
      return false;
    }
    if (this.hooks.listensTo('blob.linked'))
      this.hooks.emit({ type: 'blob.linked', repository, digest, size, actor: caller.actor, at: this.now() });
    return true;
  }

  // ------------------------------------------------------------ manifests

  /**
   * Resolves a tag or digest to the manifest record; MANIFEST_UNKNOWN otherwise.
   * A reference that is no valid tag names no manifest, so a read answers 404
   * MANIFEST_UNKNOWN (the distribution conformance suite expects it); only a
   * write refuses it as invalid. A malformed digest stays DIGEST_INVALID.
   */
  async manifestRecord(repository: string, reference: string): Promise<ManifestRecord> {
    assertName(repository);
    if (reference.includes(':') && !isDigest(reference)) parseDigest(reference);
    const record = isDigest(reference)
      ? await this.metadata.manifestByDigest(repository, reference)
      : isValidTag(reference)
        ? await this.metadata.manifestByTag(repository, reference)
        : null;
    if (!record) throw manifestUnknown(reference);
    return record;
  }

  /** The manifest `tag` names in `repository`; null for no such tag (or no valid tag). */
  async taggedManifest(repository: string, tag: string): Promise<ManifestRecord | null> {
    assertName(repository);
    return isValidTag(tag) ? this.metadata.manifestByTag(repository, tag) : null;
  }

  async getManifest(repository: string, reference: string): Promise<ManifestContent> {
    const record = await this.manifestRecord(repository, reference);
    return { record, bytes: await this.manifestContent(record.digest) };
  }

  /**
   * The pull gates (signature, vulnerability, …) for a client's read of a
   * manifest; a no-op without guards, so the hot path pays nothing.
   */
  checkPull(
    repository: string,
    reference: string,
    record: ManifestRecord,
    caller: Caller,
    headOnly = false,
  ): void | Promise<void> {
    if (this.hooks.has('beforeManifestPull'))
      return this.hooks.check('beforeManifestPull', { repository, reference, record, caller, headOnly });
  }

  /** Tells listeners a client pulled a manifest (after the response was sent). */
  notifyPulled(repository: string, reference: string, digest: string, caller: Caller): void {
    if (!this.hooks.listensTo('manifest.pulled')) return;
    const tag = isDigest(reference) ? null : reference;
    this.hooks.emit({ type: 'manifest.pulled', repository, digest, tag, actor: caller.actor, at: this.now() });
  }

  async manifestContent(digest: string): Promise<Buffer> {
    const cached = this.manifestBytes.get(digest);
    if (cached) return cached;
    const bytes = await this.storage.get(blobKey(digest));
    if (!bytes) throw manifestUnknown(digest);
    this.manifestBytes.set(digest, bytes);
    return bytes;
  }

  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
    caller: Caller = anonymousCaller,
  ): Promise<PutManifestResult> {
    assertName(repository);
    const byDigest = isDigest(reference);
    if (!byDigest && !isValidTag(reference)) invalidReference(reference);
    const parsed = parseManifest(bytes, contentType);
    const digest = digestOf(bytes, byDigest ? parseDigest(reference).algorithm : 'sha256');
    if (byDigest && digest !== reference) {
      throw digestInvalid('manifest digest does not match the reference', { expected: reference, actual: digest });
    }
    await this.assertReferencesPresent(repository, parsed);
    const tag = byDigest ? null : reference;
    const wantsPrevious = tag !== null && (this.hooks.has('beforeManifestPut') || this.hooks.listening);
    const previous = wantsPrevious ? ((await this.metadata.manifestByTag(repository, tag))?.digest ?? null) : null;
    await this.hooks.check('beforeManifestPut', {
      repository,
      tag,
      digest,
      previous,
      mediaType: parsed.mediaType,
      size: bytes.length,
      blobs: parsed.blobs,
      manifests: parsed.manifests,
      subject: parsed.subject?.digest ?? null,
      caller,
    });

    const record = await this.storeManifest(repository, tag, digest, bytes, parsed);
    if (this.hooks.listening)
      this.hooks.emit({
        type: 'manifest.pushed',
        repository,
        digest,
        tag,
        previous,
        mediaType: parsed.mediaType,
        subject: record.subject,
        size: bytes.length,
        actor: caller.actor,
        at: record.createdAt,
      });
    return { digest, subject: record.subject };
  }

  /**
   * Stores a manifest fetched from a remote source (proxy cache): verified
   * against `expectedDigest` when given, parsed, and tagged; its blobs may
   * arrive later (fetched on their first pull). No guards or events: this is
   * a cache fill, not a push.
   */
  async cacheManifest(
    repository: string,
    tag: string | null,
    bytes: Buffer,
    contentType: string | undefined,
    expectedDigest?: string,
  ): Promise<ManifestRecord> {
    assertName(repository);
    const parsed = parseManifest(bytes, contentType);
    const digest = digestOf(bytes, expectedDigest ? parseDigest(expectedDigest).algorithm : 'sha256');
    if (expectedDigest && digest !== expectedDigest)
      throw digestInvalid('the manifest does not match its digest', { expected: expectedDigest, actual: digest });
    return this.storeManifest(repository, tag, digest, bytes, parsed);
  }

  /** The bytes once by digest, then the record, its references and the tag; shared by pushes and cache fills. */
  private async storeManifest(
    repository: string,
    tag: string | null,
    digest: string,
    bytes: Buffer,
    parsed: ParsedManifest,
  ): Promise<ManifestRecord> {
    if ((await this.metadata.blobSize(digest)) === null) {
      await this.storage.put(blobKey(digest), bytes);
      await this.metadata.recordBlob(digest, bytes.length);
    }
    const record: ManifestRecord = {
      digest,
      mediaType: parsed.mediaType,
      size: bytes.length,
      artifactType: parsed.artifactType,
      subject: parsed.subject?.digest ?? null,
      configDigest: parsed.config?.digest ?? null,
      annotations: parsed.annotations ? JSON.stringify(parsed.annotations) : null,
      createdAt: this.now(),
    };
    const refs = [
      ...parsed.blobs.map((d) => ({ digest: d, kind: 'blob' as const })),
      ...parsed.manifests.map((d) => ({ digest: d, kind: 'manifest' as const })),
    ];
    await this.metadata.ensureRepository(repository);
    await this.metadata.putManifest(repository, record, refs, tag ?? undefined);
    this.manifestBytes.set(digest, bytes);
    return record;
  }

  private async assertReferencesPresent(repository: string, parsed: ParsedManifest): Promise<void> {
    const missing = [
      ...(await this.metadata.missingBlobs(repository, parsed.blobs)),
      ...(await this.metadata.missingManifests(repository, parsed.manifests)),
    ];
    if (missing.length > 0) {
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'manifest references content unknown to this repository', {
        missing,
      });
    }
  }

  /** Deletes a manifest by digest, or only a tag when given a tag. */
  async deleteManifest(repository: string, reference: string, caller: Caller = anonymousCaller): Promise<void> {
    assertName(repository);
    const actor = caller.actor;
    if (isDigest(reference)) {
      await this.hooks.check('beforeManifestDelete', { repository, digest: reference, caller });
      if (!(await this.metadata.deleteManifest(repository, reference))) throw manifestUnknown(reference);
      if (this.hooks.listening)
        this.hooks.emit({ type: 'manifest.deleted', repository, digest: reference, actor, at: this.now() });
      return;
    }
    if (!isValidTag(reference)) invalidReference(reference);
    const needsDigest = this.hooks.has('beforeTagDelete') || this.hooks.listening;
    const digest = needsDigest ? (await this.metadata.manifestByTag(repository, reference))?.digest : undefined;
    if (needsDigest && digest === undefined) throw manifestUnknown(reference);
    if (digest !== undefined) await this.hooks.check('beforeTagDelete', { repository, tag: reference, digest, caller });
    if (!(await this.metadata.deleteTag(repository, reference))) throw manifestUnknown(reference);
    if (digest !== undefined && this.hooks.listening)
      this.hooks.emit({ type: 'tag.deleted', repository, tag: reference, digest, actor, at: this.now() });
  }

  // ------------------------------------------------------------ listings

  async listTags(repository: string, page: Page): Promise<string[]> {
    assertName(repository);
    if (!(await this.metadata.repositoryExists(repository))) throw nameUnknown(repository);
    return this.metadata.listTags(repository, page);
  }

  /** Whether a repository exists (has been pushed to and not deleted). */
  repositoryExists(name: string): Promise<boolean> {
    return this.metadata.repositoryExists(name);
  }

  listRepositories(page: Page): Promise<string[]> {
    return this.metadata.listRepositories(page);
  }

  /** Deletes a repository (tags, manifests, blob links, uploads; blobs are left to GC); false when absent. */
  deleteRepository(name: string): Promise<boolean> {
    return this.metadata.deleteRepository(name);
  }

  /** The repositories of project `project` (itself, and every `project/…`), up to `limit`. */
  async projectRepositories(project: string, limit: number): Promise<string[]> {
    const out: string[] = (await this.metadata.repositoryExists(project)) ? [project] : [];
    let last = project;
    for (;;) {
      if (out.length >= limit) return out.slice(0, limit);
      const page = await this.metadata.listRepositories({ last, n: 100 });
      for (const repo of page) {
        // Names sort bytewise: `name-x`, `name.x` come before `name/…`, `name0` after.
        if (!repo.startsWith(project)) return out;
        if (repo.startsWith(`${project}/`)) out.push(repo);
        if (out.length >= limit) return out;
      }
      if (page.length < 100) return out;
      last = page[page.length - 1];
    }
  }

  /** The referrer records of `digest` (signatures, SBOMs, …). */
  async referrerRecords(repository: string, digest: string): Promise<ManifestRecord[]> {
    assertName(repository);
    return this.metadata.referrers(repository, digest);
  }

  // ------------------------------------------------------------ health

  /** The storage driver's name (fs, s3, …). */
  get storageName(): string {
    return this.storage.name;
  }

  /** Throws when the database does not answer. */
  async probeDatabase(): Promise<void> {
    await this.metadata.repositoryExists('health-check');
  }

  /** Throws when the storage cannot take a write (readable is not enough: a full or read-only one fails every push). */
  async probeStorage(): Promise<void> {
    await (this.storage.checkWritable ? this.storage.checkWritable() : this.storage.stat('health-check'));
  }

  /** The referrers of `digest` as an OCI image index. */
  async referrers(repository: string, digest: string, artifactType?: string): Promise<Buffer> {
    assertName(repository);
    parseDigest(digest);
    const records = await this.metadata.referrers(repository, digest);
    const manifests = records
      .filter((r) => artifactType === undefined || r.artifactType === artifactType)
      .map((r) => ({
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        ...(r.artifactType ? { artifactType: r.artifactType } : {}),
        ...(r.annotations ? { annotations: JSON.parse(r.annotations) } : {}),
      }));
    return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  }
}

function invalidReference(reference: string): never {
  if (reference.includes(':')) parseDigest(reference);
  throw new RegistryError('MANIFEST_INVALID', 'invalid tag or digest', { reference });
}
