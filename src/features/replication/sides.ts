/**
 * The two ends of a copy. A policy's source and destination are each either
 * this Berth (the core Registry, no HTTP) or a stored upstream registry (the
 * one RegistryClient of src/features/registries). The copier sees only these.
 */
import { PassThrough, type Readable, Transform } from 'node:stream';
import { digestOf } from '../../core/digest.ts';
import type { Caller } from '../../core/hooks.ts';
import type { Registry } from '../../core/registry.ts';
import type { PushBlobOptions, RegistryClient } from '../registries/client.ts';

export interface Manifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface SourceSide {
  repositories(): Promise<string[]>;
  tags(repository: string): Promise<string[]>;
  /** Null when absent. */
  manifest(repository: string, reference: string): Promise<Manifest | null>;
  /** The blob's bytes from `offset`. */
  blob(repository: string, digest: string, offset: number): Promise<Readable>;
  /** Digests of the manifests that refer to `digest` (signatures, SBOMs); [] when the side cannot tell. */
  referrers(repository: string, digest: string): Promise<string[]>;
  /** Names of the labels the artifact carries (label filters); [] when the side has none or cannot tell. */
  labels(repository: string, digest: string): Promise<string[]>;
}

/** Label names of a local artifact: Harbor's attached labels and the scanner's derived ones. */
export type LabelsOf = (repository: string, digest: string) => Promise<string[]>;

export interface DestinationSide {
  /** A stable name for the blob-home table (`local`, `registry:3`). */
  readonly key: string;
  manifestDigest(repository: string, reference: string): Promise<string | null>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  mount(repository: string, digest: string, from: string): Promise<boolean>;
  pushBlob(
    repository: string,
    digest: string,
    size: number,
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void>;
  /** Returns the digest the destination computed. */
  putManifest(repository: string, reference: string, m: Manifest): Promise<string>;
  deleteManifest(repository: string, digest: string): Promise<boolean>;
}

const REPLICATOR: Caller = { actor: 'replication' };

const notFound = (err: unknown) => {
  const code = (err as { code?: string }).code;
  return code === 'MANIFEST_UNKNOWN' || code === 'BLOB_UNKNOWN' || code === 'NAME_UNKNOWN';
};

export class LocalSide implements SourceSide, DestinationSide {
  readonly key = 'local';
  constructor(
    private readonly registry: Registry,
    private readonly labelsOf: LabelsOf = async () => [],
  ) {}

  labels(repository: string, digest: string): Promise<string[]> {
    return this.labelsOf(repository, digest);
  }

  async repositories(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const page = await this.registry.listRepositories({ n: 1000, last: out.at(-1) });
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  async tags(repository: string): Promise<string[]> {
    try {
      return await this.registry.listTags(repository, {});
    } catch (err) {
      if (notFound(err)) return [];
      throw err;
    }
  }

  async manifest(repository: string, reference: string): Promise<Manifest | null> {
    try {
      const { record, bytes } = await this.registry.getManifest(repository, reference);
      return { digest: record.digest, mediaType: record.mediaType, bytes };
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async blob(repository: string, digest: string, offset: number): Promise<Readable> {
    const size = await this.registry.blobSize(repository, digest);
    // Storage drivers reuse their read buffers once a write is accepted (a socket has copied it by then);
    // a stream that queues chunks must copy them first.
    const out = new Transform({
      highWaterMark: 1024 * 1024,
      transform(chunk: Buffer, _encoding, done) {
        done(null, Buffer.from(chunk));
      },
    });
    this.registry
      .sendBlob(digest, out, offset > 0 ? { start: offset, end: size - 1 } : undefined)
      .catch((err) => out.destroy(err as Error));
    return out;
  }

  async referrers(repository: string, digest: string): Promise<string[]> {
    const index = JSON.parse((await this.registry.referrers(repository, digest)).toString()) as {
      manifests?: { digest: string }[];
    };
    return (index.manifests ?? []).map((m) => m.digest);
  }

  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    try {
      return (await this.registry.manifestRecord(repository, reference)).digest;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    try {
      await this.registry.blobSize(repository, digest);
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  mount(repository: string, digest: string, from: string): Promise<boolean> {
    return this.registry.mountBlob(repository, digest, from, REPLICATOR);
  }

  async pushBlob(repository: string, digest: string, _size: number, open: (offset: number) => Promise<Readable>) {
    // The local upload verifies the digest before the blob becomes visible.
    await this.registry.uploads.monolithic(repository, digest, await open(0));
  }

  async putManifest(repository: string, reference: string, m: Manifest): Promise<string> {
    return (await this.registry.putManifest(repository, reference, m.bytes, m.mediaType, REPLICATOR)).digest;
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    try {
      await this.registry.deleteManifest(repository, digest, REPLICATOR);
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }
}

export class RemoteSide implements SourceSide, DestinationSide {
  constructor(
    readonly key: string,
    private readonly client: RegistryClient,
  ) {}

  async repositories(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const page = await this.client.catalog({ n: 1000, last: out.at(-1) });
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  tags(repository: string): Promise<string[]> {
    return this.client.tags(repository);
  }

  async manifest(repository: string, reference: string): Promise<Manifest | null> {
    const m = await this.client.getManifest(repository, reference, 4 * 1024 * 1024);
    if (!m) return null;
    return { digest: digestOf(m.bytes), mediaType: m.mediaType, bytes: m.bytes };
  }

  async blob(repository: string, digest: string, offset: number): Promise<Readable> {
    const got = await this.client.getBlob(repository, digest);
    if (!got) throw new Error(`the source has no blob ${digest} in ${repository}`);
    return offset > 0 ? skipBytes(got.body, offset) : got.body;
  }

  async referrers(): Promise<string[]> {
    return [];
  }

  /** The distribution API carries no labels: a remote's artifacts carry none as far as filters go. */
  async labels(): Promise<string[]> {
    return [];
  }

  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    const head = await this.client.headManifest(repository, reference);
    if (!head) return null;
    if (head.digest) return head.digest;
    return (await this.manifest(repository, reference))?.digest ?? null;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return (await this.client.headBlob(repository, digest)) !== null;
  }

  mount(repository: string, digest: string, from: string): Promise<boolean> {
    return this.client.mountBlob(repository, digest, from);
  }

  pushBlob(
    repository: string,
    digest: string,
    size: number,
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void> {
    return this.client.pushBlob(repository, digest, size, open, options);
  }

  putManifest(repository: string, reference: string, m: Manifest): Promise<string> {
    return this.client.putManifest(repository, reference, m.bytes, m.mediaType);
  }

  deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.client.deleteManifest(repository, digest);
  }
}

/** Drops the first `count` bytes of a stream (a source that cannot start at an offset). */
function skipBytes(source: Readable, count: number): Readable {
  let left = count;
  const out = new PassThrough();
  source.on('data', (chunk: Buffer) => {
    if (left >= chunk.length) {
      left -= chunk.length;
      return;
    }
    const rest = left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
    if (!out.write(rest)) {
      source.pause();
      out.once('drain', () => source.resume());
    }
  });
  source.on('end', () => out.end());
  source.on('error', (err) => out.destroy(err));
  out.on('close', () => source.destroy());
  return out;
}
