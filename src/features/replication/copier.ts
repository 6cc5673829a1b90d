/**
 * Copies one artifact from a source side to a destination side, sending
 * only what the destination lacks: each blob is HEADed first, mounted from
 * a repository of the destination known to hold it, and otherwise uploaded
 * (in chunks with a checkpoint when asked, continuing an earlier attempt's
 * session). Manifests go bottom-up: an index's children before the index,
 * referrers (signatures, SBOMs) after their subject. Every manifest is
 * pushed with its exact bytes and the digest the destination answers is
 * checked, so what is marked copied is there byte-identically.
 */
import { type Readable, Transform } from 'node:stream';
import { digestOf } from '../../core/digest.ts';
import type { DestinationSide, Manifest, SourceSide } from './sides.ts';
import type { Checkpoint } from './store.ts';

export class StoppedError extends Error {
  constructor() {
    super('the execution was stopped');
    this.name = 'StoppedError';
  }
}

/** A copy that must not be retried (the policy forbids it or the source lacks it). */
export class PermanentCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentCopyError';
  }
}

export interface CopyOptions {
  source: SourceSide;
  destination: DestinationSide;
  srcRepository: string;
  dstRepository: string;
  override: boolean;
  /** Chunk size for blob uploads; 0: one request per blob. */
  chunkBytes: number;
  /** KB/s; <= 0: unlimited. */
  speedKBs: number;
  /** The checkpoint of an earlier attempt (a chunked upload to continue). */
  checkpoint: Checkpoint | null;
  saveCheckpoint(c: Checkpoint | null): Promise<void>;
  /** Throws StoppedError when the execution was stopped. */
  checkStopped(): Promise<void>;
  blobHome(digest: string): Promise<string | null>;
  setBlobHome(digest: string, repository: string): Promise<void>;
  log(line: string): Promise<void>;
  /** Bytes read from the source to send. */
  onBytes(n: number): void;
  onBlob?(outcome: 'present' | 'mounted' | 'copied'): void;
}

export interface CopyResult {
  skipped: boolean;
  digest: string;
}

/** Whole-blob uploads in flight at once for one artifact. */
const PARALLEL_BLOBS = 3;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

interface Descriptor {
  digest: string;
  size: number;
  mediaType?: string;
  urls?: string[];
}

export class ArtifactCopier {
  private readonly done = new Set<string>();

  constructor(private readonly o: CopyOptions) {}

  /** Copies `reference` (a tag or digest) and everything it needs. */
  async copy(reference: string): Promise<CopyResult> {
    const { source, destination, srcRepository, dstRepository } = this.o;
    const root = await source.manifest(srcRepository, reference);
    if (!root) throw new PermanentCopyError(`${srcRepository}:${reference} is not at the source`);
    const there = await destination.manifestDigest(dstRepository, reference);
    if (there === root.digest) {
      await this.o.log(`${dstRepository}:${reference} is already ${root.digest} at the destination`);
      await this.copyReferrers(root.digest);
      return { skipped: true, digest: root.digest };
    }
    if (there && !this.o.override) {
      throw new PermanentCopyError(
        `${dstRepository}:${reference} is ${there} at the destination, not ${root.digest}; override is off, so it is left alone`,
      );
    }
    await this.copyTree(root, reference);
    await this.copyReferrers(root.digest);
    return { skipped: false, digest: root.digest };
  }

  /** Removes `reference` at the destination (by digest; tags resolve first). */
  async delete(reference: string, expectedDigest: string | null): Promise<boolean> {
    const { destination, dstRepository } = this.o;
    const digest = reference.includes(':') ? reference : await destination.manifestDigest(dstRepository, reference);
    if (!digest) {
      await this.o.log(`${dstRepository}:${reference} is not at the destination: nothing to delete`);
      return false;
    }
    if (expectedDigest && digest !== expectedDigest && !this.o.override) {
      throw new PermanentCopyError(
        `${dstRepository}:${reference} is ${digest} at the destination, not the deleted ${expectedDigest}; override is off, so it is left alone`,
      );
    }
    const gone = await destination.deleteManifest(dstRepository, digest);
    await this.o.log(`deleted ${dstRepository}@${digest} at the destination`);
    return gone;
  }

  private async copyTree(m: Manifest, reference: string): Promise<void> {
    await this.o.checkStopped();
    const parsed = JSON.parse(m.bytes.toString()) as {
      mediaType?: string;
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
      blobs?: Descriptor[];
    };
    if (INDEX_TYPES.has(m.mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) await this.copyChild(child.digest);
    } else {
      const blobs = [parsed.config, ...(parsed.layers ?? []), ...(parsed.blobs ?? [])].filter(
        (d): d is Descriptor => !!d,
      );
      // Foreign layers live elsewhere (their urls); registries do not hold them.
      const wanted = blobs.filter((b) => !b.urls?.length);
      // Whole-blob uploads have no checkpoint to share, so several go at once (as docker and skopeo do);
      // chunked ones keep one checkpoint per task and go one by one.
      await eachLimited(wanted, this.o.chunkBytes > 0 ? 1 : PARALLEL_BLOBS, (b) => this.copyBlob(b));
    }
    const digest = await this.o.destination.putManifest(this.o.dstRepository, reference, m);
    if (digest !== m.digest)
      throw new Error(`the destination stored ${m.digest} as ${digest}: the manifest did not arrive byte-identical`);
    this.done.add(m.digest);
    await this.o.log(`pushed manifest ${this.o.dstRepository}:${reference} (${m.digest}, ${m.mediaType})`);
  }

  private async copyChild(digest: string): Promise<void> {
    if (this.done.has(digest)) return;
    if ((await this.o.destination.manifestDigest(this.o.dstRepository, digest)) === digest) {
      this.done.add(digest);
      return;
    }
    const child = await this.o.source.manifest(this.o.srcRepository, digest);
    if (!child) throw new PermanentCopyError(`child manifest ${digest} is not at the source`);
    if (child.digest !== digest) throw new Error(`the source answered ${child.digest} for ${digest}`);
    await this.copyTree(child, digest);
  }

  private async copyReferrers(subject: string): Promise<void> {
    for (const digest of await this.o.source.referrers(this.o.srcRepository, subject)) {
      await this.copyChild(digest);
      await this.copyReferrers(digest);
    }
  }

  private async copyBlob(blob: Descriptor): Promise<void> {
    const { destination: dst, dstRepository, srcRepository } = this.o;
    if (await dst.hasBlob(dstRepository, blob.digest)) {
      this.o.onBlob?.('present');
      return;
    }
    const home = await this.o.blobHome(blob.digest);
    for (const from of new Set([home, srcRepository].filter((r): r is string => !!r && r !== dstRepository))) {
      if (await dst.mount(dstRepository, blob.digest, from).catch(() => false)) {
        await this.o.log(`mounted ${blob.digest} from ${from}`);
        this.o.onBlob?.('mounted');
        await this.o.setBlobHome(blob.digest, dstRepository);
        return;
      }
    }
    await this.o.checkStopped();
    const chunked = this.o.chunkBytes > 0;
    const resume = chunked && this.o.checkpoint?.digest === blob.digest ? this.o.checkpoint : null;
    if (resume)
      await this.o.log(`continuing the upload of ${blob.digest} from the checkpoint (${resume.offset} bytes)`);
    let sent = 0;
    let confirmedAtStart: number | null = null;
    const push = dst.pushBlob(
      dstRepository,
      blob.digest,
      blob.size,
      async (offset) =>
        this.counted(await this.o.source.blob(srcRepository, blob.digest, offset), (n) => {
          sent += n;
        }),
      {
        chunkSize: this.o.chunkBytes > 0 ? this.o.chunkBytes : undefined,
        resumeFrom: resume?.location,
        onProgress: async (p) => {
          if (confirmedAtStart === null) {
            confirmedAtStart = p.offset;
            if (resume) await this.o.log(`the destination has ${p.offset} of ${blob.size} bytes of ${blob.digest}`);
          }
          if (chunked) await this.o.saveCheckpoint({ digest: blob.digest, location: p.location, offset: p.offset });
          await this.o.checkStopped();
        },
      },
    );
    try {
      await push;
    } catch (err) {
      // A session the target refused to complete (wrong digest) cannot be continued: the next attempt starts afresh.
      if (chunked && /digest/i.test((err as Error).message)) await this.o.saveCheckpoint(null);
      throw err;
    }
    if (chunked) await this.o.saveCheckpoint(null);
    await this.o.setBlobHome(blob.digest, dstRepository);
    this.o.onBlob?.('copied');
    await this.o.log(
      `copied ${blob.digest}: ${sent} bytes sent of ${blob.size}${confirmedAtStart ? ` (resumed at ${confirmedAtStart})` : ''}`,
    );
  }

  /** Counts (and, with a speed limit, paces) the bytes read from the source. */
  private counted(source: Readable, add: (n: number) => void): Readable {
    const limit = this.o.speedKBs > 0 ? this.o.speedKBs * 1024 : 0;
    const started = Date.now();
    let total = 0;
    const onBytes = this.o.onBytes;
    const pacer = new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        add(chunk.length);
        onBytes(chunk.length);
        const due = limit ? (total / limit) * 1000 - (Date.now() - started) : 0;
        if (due > 0) setTimeout(() => done(null, chunk), due);
        else done(null, chunk);
      },
    });
    source.on('error', (err) => pacer.destroy(err));
    pacer.on('close', () => source.destroy());
    return source.pipe(pacer);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; waits for all, then throws the first failure. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw failure;
}

/** The digest of bytes (for checks in tests and callers). */
export const manifestDigest = (bytes: Buffer) => digestOf(bytes);
