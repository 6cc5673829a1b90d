/**
 * Proxy-cache projects: pulls of `<project>/<repo>` come from storage when
 * cached and fresh, else from the project's upstream registry, stored as they
 * pass (blobs through the single flight, verified before commit). A tag older
 * than the freshness TTL is re-checked with a HEAD; when the upstream is
 * down, slow, 5xx or 429 the cached copy is served stale (log + metric).
 * 404s are remembered briefly; a circuit breaker per upstream stops waiting
 * on a dead one.
 */

import { isDigest } from '../../core/digest.ts';
import { blobUnknown, manifestUnknown, RegistryError } from '../../core/errors.ts';
import { MAX_MANIFEST_BYTES } from '../../core/manifest.ts';
import type { ManifestRecord } from '../../core/ports.ts';
import type { Registry } from '../../core/registry.ts';
import type { RemoteBlob } from '../../core/remote.ts';
import { UpstreamError } from '../registries/client.ts';
import type { RegistriesService } from '../registries/service.ts';
import type { RegistryRecord } from '../registries/types.ts';
import { Breaker } from './breaker.ts';
import { type FillLeaseCoordinator, type HeldLease, StoredElsewhere } from './fill-lease.ts';
import type { BlobFlights } from './flights.ts';
import type { ProxyMetrics } from './metrics.ts';
import { PROXY_FILL } from './push-refusal.ts';
import { invalidFromUpstream, upstreamFailed, upstreamRepository } from './upstream.ts';

export interface ProxyCacheOptions {
  registry: Registry;
  registries: RegistriesService;
  flights: BlobFlights;
  metrics: ProxyMetrics;
  log?: { warn(obj: object, msg: string): void };
  /** A cached tag is re-checked upstream after this long (default 60 s). */
  tagTtlMs?: number;
  /** An upstream 404 is remembered this long (default 30 s). */
  negativeTtlMs?: number;
  breaker?: { threshold?: number; cooldownMs?: number };
  /** Single flight across the nodes sharing the database; absent: per node only. */
  fillLeases?: FillLeaseCoordinator;
  now?: () => number;
}

export class ProxyCache {
  private readonly checked = new Map<string, number>();
  private readonly negative = new Map<string, number>();
  private readonly breakers = new Map<number, Breaker>();
  private readonly records = new Map<number, { at: number; record: RegistryRecord }>();
  /** Cross-node leases held by this node's fetches, by digest (released once the fetch is stored or failed). */
  private readonly held = new Map<string, HeldLease>();
  private readonly now: () => number;

  constructor(private readonly o: ProxyCacheOptions) {
    this.now = o.now ?? Date.now;
  }

  breakerOf(registryId: number): Breaker {
    let b = this.breakers.get(registryId);
    if (!b) {
      b = new Breaker(this.o.breaker?.threshold, this.o.breaker?.cooldownMs, this.now);
      this.breakers.set(registryId, b);
    }
    return b;
  }

  /** The registry record, read at most every 5 s (a pull must not cost a query for it). */
  private async upstream(registryId: number): Promise<RegistryRecord> {
    const cached = this.records.get(registryId);
    if (cached && this.now() - cached.at < 5_000) return cached.record;
    const record = await this.o.registries.get(registryId);
    this.records.set(registryId, { at: this.now(), record });
    return record;
  }

  forget(registryId: number): void {
    this.records.delete(registryId);
  }

  async manifest(project: string, registryId: number, repository: string, reference: string): Promise<ManifestRecord> {
    const md = this.o.registry.metadata;
    const byDigest = isDigest(reference);
    const local = byDigest
      ? await md.manifestByDigest(repository, reference)
      : await md.manifestByTag(repository, reference);
    const key = `${repository}:${reference}`;
    if (local && (byDigest || this.fresh(key))) {
      this.o.metrics.hit(project, 'manifest');
      return local;
    }
    if (!local && this.negativeHit(key)) throw manifestUnknown(reference);
    const upstream = await this.upstream(registryId);
    const breaker = this.breakerOf(registryId);
    if (!breaker.allow()) {
      const err = new UpstreamError('unreachable', 'the upstream is failing; calls are paused (circuit open)');
      if (local) return this.stale(project, upstream, local, key, err);
      throw upstreamFailed(upstream, err);
    }
    const client = this.o.registries.clientOf(upstream);
    const remote = upstreamRepository(upstream, repository.slice(project.length + 1));
    try {
      if (local) {
        const head = await client.headManifest(remote, reference);
        breaker.success();
        if (head?.digest === local.digest) {
          this.checked.set(key, this.now());
          this.o.metrics.hit(project, 'manifest');
          return local;
        }
      }
      const fetched = await client.getManifest(remote, reference, MAX_MANIFEST_BYTES);
      breaker.success();
      if (!fetched) {
        this.negative.set(key, this.now() + (this.o.negativeTtlMs ?? 30_000));
        throw manifestUnknown(reference);
      }
      let record: ManifestRecord;
      try {
        const expected = byDigest ? reference : (fetched.digest ?? undefined);
        record = await this.o.registry.cacheManifest(
          repository,
          byDigest ? null : reference,
          fetched.bytes,
          fetched.mediaType || undefined,
          expected,
        );
      } catch (err) {
        throw invalidFromUpstream(err);
      }
      this.checked.set(key, this.now());
      this.o.metrics.miss(project, 'manifest');
      return record;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      this.o.metrics.upstreamError(project, err.failure);
      if (err.unavailable) breaker.failure();
      if (local && err.unavailable) return this.stale(project, upstream, local, key, err);
      throw upstreamFailed(upstream, err);
    }
  }

  async blob(
    project: string,
    registryId: number,
    repository: string,
    digest: string,
    head: boolean,
  ): Promise<RemoteBlob> {
    const md = this.o.registry.metadata;
    const size = await md.repositoryBlobSize(repository, digest);
    if (size !== null) {
      this.o.metrics.hit(project, 'blob');
      return { size };
    }
    const key = `${repository}@${digest}`;
    if (this.negativeHit(key)) throw blobUnknown(digest);
    const upstream = await this.upstream(registryId);
    const breaker = this.breakerOf(registryId);
    if (!breaker.allow())
      throw upstreamFailed(
        upstream,
        new UpstreamError('unreachable', 'the upstream is failing; calls are paused (circuit open)'),
      );
    const client = this.o.registries.clientOf(upstream);
    const remote = upstreamRepository(upstream, repository.slice(project.length + 1));
    try {
      // A fetch in progress (perhaps committing right now) is joined rather than asked about upstream again.
      const flying = this.o.flights.inFlight(digest);
      if (flying && head) {
        const size = this.o.flights.sizeOf(digest);
        if (size !== null) return { size };
      }
      const stored = flying ? null : await md.blobSize(digest);
      if (!flying && (head || stored !== null)) {
        // Stored for another repository, or only its size wanted: the upstream must confirm this repository has it.
        const upstreamSize = await client.headBlob(remote, digest);
        breaker.success();
        if (upstreamSize === null) {
          this.negative.set(key, this.now() + (this.o.negativeTtlMs ?? 30_000));
          throw blobUnknown(digest);
        }
        if (stored === null) return { size: upstreamSize };
        await md.ensureRepository(repository);
        await md.linkBlob(repository, digest);
        this.o.metrics.hit(project, 'blob');
        return { size: stored };
      }
      const joined = await this.o.flights.join(
        digest,
        async () => {
          // Another node fetching it: wait for its fill to be stored (StoredElsewhere) rather than fetch again.
          const lease = await this.o.fillLeases?.acquire(digest, () => md.blobSize(digest));
          try {
            const fetched = await client.getBlob(remote, digest);
            breaker.success();
            if (!fetched) {
              this.negative.set(key, this.now() + (this.o.negativeTtlMs ?? 30_000));
              throw blobUnknown(digest);
            }
            this.o.metrics.miss(project, 'blob');
            if (lease) this.held.set(digest, lease);
            return fetched;
          } catch (err) {
            await lease?.release();
            throw err;
          }
        },
        async (body, length, bodyDigest) => {
          const lease = this.held.get(digest);
          this.held.delete(digest);
          try {
            await this.o.registry.uploads.monolithic(
              repository,
              digest,
              body,
              // The flight hashed these very buffers as they came: one hash per byte.
              { ...(length >= 0 ? { length } : {}), ...(bodyDigest ? { bodyDigest } : {}) },
              PROXY_FILL,
            );
          } catch (err) {
            const bad = invalidFromUpstream(err);
            this.o.metrics.upstreamError(project, bad.failure);
            this.o.log?.warn({ project, digest, err: bad.message }, 'proxy cache: refused a blob from the upstream');
            throw bad;
          } finally {
            await lease?.release();
          }
        },
        (n) => this.o.metrics.upstreamBytes(project, n),
      );
      // A flight started for another repository stores the blob there; link it here too once stored.
      void joined.finished
        .then(async () => {
          if ((await md.repositoryBlobSize(repository, digest)) === null && (await md.blobSize(digest)) !== null) {
            await md.ensureRepository(repository);
            await md.linkBlob(repository, digest);
          }
        })
        .catch(() => {});
      return joined.stream ? { size: joined.size, stream: joined.stream } : { size: joined.size };
    } catch (err) {
      if (err instanceof StoredElsewhere) {
        // Another node fetched and stored it: this repository links it, and the client gets it from storage.
        await md.ensureRepository(repository);
        await md.linkBlob(repository, digest);
        this.o.metrics.hit(project, 'blob');
        return { size: err.size };
      }
      if (err instanceof RegistryError) throw err;
      if (!(err instanceof UpstreamError)) throw err;
      this.o.metrics.upstreamError(project, err.failure);
      if (err.unavailable) breaker.failure();
      throw upstreamFailed(upstream, err);
    }
  }

  private fresh(key: string): boolean {
    const at = this.checked.get(key);
    return at !== undefined && this.now() - at < (this.o.tagTtlMs ?? 60_000);
  }

  private negativeHit(key: string): boolean {
    const until = this.negative.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.negative.delete(key);
    return false;
  }

  private stale(
    project: string,
    upstream: RegistryRecord,
    local: ManifestRecord,
    key: string,
    err: UpstreamError,
  ): ManifestRecord {
    this.o.metrics.stale(project);
    this.o.log?.warn(
      { project, upstream: upstream.name, reference: key, failure: err.failure, err: err.message },
      'proxy cache: upstream unavailable, serving the cached copy (stale)',
    );
    return local;
  }
}
