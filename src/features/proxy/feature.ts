/** Proxy-cache and group projects from their ports (wired by src/server/app.ts). */

import { randomBytes } from 'node:crypto';
import type { Registry as PromRegistry } from 'prom-client';
import type { Registry } from '../../core/registry.ts';
import type { RegistriesService } from '../registries/service.ts';
import { FillLeaseCoordinator, fillOwner } from './fill-lease.ts';
import { BlobFlights } from './flights.ts';
import { proxyMetrics } from './metrics.ts';
import { parseMirrorMap } from './mirror.ts';
import { ProxyProjects } from './projects.ts';
import { ProxyCache } from './proxy-cache.ts';
import { addPushGuard } from './push-refusal.ts';
import type { ProxyStore } from './store.ts';

export interface ProxyConfig {
  /** Seconds before a cached tag is re-checked upstream. */
  tagTtl: number;
  /** Seconds an upstream 404 is remembered. */
  negativeTtl: number;
  /** `ns` host → project (mirror mode). */
  mirrors: Map<string, string>;
  /** Days without a pull after which a cached image is dropped; 0: never. */
  expireDays: number;
}

/** From the server's `proxy` settings (BERTH_PROXY_TAG_TTL, BERTH_PROXY_NEGATIVE_TTL, BERTH_PROXY_MIRRORS). */
export function proxyConfigFrom(settings: {
  tag_ttl: number;
  negative_ttl: number;
  mirrors: string;
  expire_days: number;
}): ProxyConfig {
  return {
    tagTtl: settings.tag_ttl,
    negativeTtl: settings.negative_ttl,
    mirrors: parseMirrorMap(settings.mirrors),
    expireDays: settings.expire_days,
  };
}

export interface ProxyDeps {
  registry: Registry;
  registries: RegistriesService;
  store: ProxyStore;
  /** Where blobs being fetched are spooled (emptied at start). */
  spoolDir: string;
  config: ProxyConfig;
  prometheus?: PromRegistry;
  log?: { warn(obj: object, msg: string): void };
  /** Cross-node fill lease length in ms (default 30 s; tests shorten it). */
  fillLeaseMs?: number;
}

export interface ProxyFeature {
  projects: ProxyProjects;
  cache: ProxyCache;
  config: ProxyConfig;
  /** Stops the timers and waits for blob fetches in progress to be stored. */
  close(): Promise<void>;
}

export async function createProxy(deps: ProxyDeps): Promise<ProxyFeature> {
  // Fills hash on the uploads' hashing thread, and their stores take that digest (one hash per byte).
  const flights = new BlobFlights(deps.spoolDir, () => deps.registry.uploads.runningHash());
  const cache = new ProxyCache({
    registry: deps.registry,
    registries: deps.registries,
    flights,
    metrics: proxyMetrics(deps.prometheus),
    log: deps.log,
    tagTtlMs: deps.config.tagTtl * 1000,
    negativeTtlMs: deps.config.negativeTtl * 1000,
    fillLeases: new FillLeaseCoordinator({
      leases: deps.store,
      owner: fillOwner(randomBytes(4).toString('hex')),
      ttlMs: deps.fillLeaseMs,
    }),
  });
  const projects = new ProxyProjects(deps.registry, deps.store, cache);
  await projects.reload();
  deps.registry.remote = projects;
  addPushGuard(deps.registry, projects);
  deps.registries.onChange((id) => cache.forget(id));
  deps.registries.addUseCheck(async (r) => {
    const users = projects.all().filter((s) => s.registryId === r.id);
    return users.length
      ? `registry ${r.name} is the upstream of project ${users.map((u) => u.project).join(', ')}`
      : null;
  });
  // Other nodes change settings too: pick them up.
  const timer = setInterval(() => void projects.reload().catch(() => {}), 30_000);
  timer.unref();
  // Unused cached images expire on their own hourly schedule (no storage-lifecycle GC to hand them to yet).
  const days = deps.config.expireDays;
  const expiry = setInterval(() => {
    if (days > 0)
      void projects
        .expireUnused(days * 86_400_000)
        .then(
          (n) =>
            n > 0 && deps.log?.warn({ dropped: n, days }, 'proxy cache: dropped cached images not pulled for a while'),
        )
        .catch(() => {});
  }, 3_600_000);
  expiry.unref();
  return {
    projects,
    cache,
    config: deps.config,
    close: async () => {
      clearInterval(timer);
      clearInterval(expiry);
      await flights.drain();
    },
  };
}
