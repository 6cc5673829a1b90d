/** Proxy-cache counters, by project, on the server's Prometheus registry (/metrics). */
import { Counter, type Registry } from 'prom-client';

export interface ProxyMetrics {
  hit(project: string, kind: 'manifest' | 'blob'): void;
  miss(project: string, kind: 'manifest' | 'blob'): void;
  upstreamBytes(project: string, bytes: number): void;
  stale(project: string): void;
  upstreamError(project: string, failure: string): void;
}

export function proxyMetrics(registry?: Registry): ProxyMetrics {
  const registers = registry ? [registry] : [];
  const hits = new Counter({
    name: 'berth_proxy_cache_hits_total',
    help: 'Pulls from proxy-cache projects answered from storage',
    labelNames: ['project', 'kind'],
    registers,
  });
  const misses = new Counter({
    name: 'berth_proxy_cache_misses_total',
    help: 'Pulls from proxy-cache projects fetched from the upstream',
    labelNames: ['project', 'kind'],
    registers,
  });
  const bytes = new Counter({
    name: 'berth_proxy_upstream_bytes_total',
    help: 'Blob bytes fetched from upstream registries',
    labelNames: ['project'],
    registers,
  });
  const stale = new Counter({
    name: 'berth_proxy_stale_serves_total',
    help: 'Cached tags served without re-checking because the upstream was unavailable',
    labelNames: ['project'],
    registers,
  });
  const errors = new Counter({
    name: 'berth_proxy_upstream_errors_total',
    help: 'Failed upstream calls, by kind',
    labelNames: ['project', 'failure'],
    registers,
  });
  return {
    hit: (project, kind) => hits.inc({ project, kind }),
    miss: (project, kind) => misses.inc({ project, kind }),
    upstreamBytes: (project, n) => bytes.inc({ project }, n),
    stale: (project) => stale.inc({ project }),
    upstreamError: (project, failure) => errors.inc({ project, failure }),
  };
}
