/** Wiring of the webhooks feature: its SQL store, the shared job queue, the outbound rule and metrics. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { KyselyWebhookStore } from '../adapters/metadata/webhooks-store.ts';
import type { AccessService } from '../core/access/service.ts';
import type { JobQueue } from '../core/jobs.ts';
import type { Registry } from '../core/registry.ts';
import type { Sealer } from '../features/kube/secretbox.ts';
import type { ScanFeature } from '../features/scan/feature.ts';
import { scanningEvent } from '../features/webhooks/events.ts';
import { createWebhooks, type WebhooksFeature } from '../features/webhooks/feature.ts';
import { scanOverview } from '../http/api/scan/plugin.ts';
import { outboundPolicy, type ServerConfig } from './config.ts';

/** The registry's host:port as payloads name it (BERTH_EXTERNAL_URL's when set). */
export function registryHostOf(config: ServerConfig): string {
  const external = process.env.BERTH_EXTERNAL_URL;
  return external ? new URL(external).host : `${config.server.host}:${config.server.port}`;
}

export function openWebhooks(
  config: ServerConfig,
  registry: Registry,
  access: AccessService,
  box: Sealer,
  metrics: MetricsRegistry | undefined,
  onError: (err: unknown) => void,
  stores: { webhooks: KyselyWebhookStore; jobs: JobQueue },
): WebhooksFeature {
  const webhooks = createWebhooks({
    store: stores.webhooks,
    box,
    jobs: stores.jobs,
    outbound: outboundPolicy(config),
    projects: async (name) => {
      const p = await access.store.projectByName(name);
      return p ? { id: p.id, public: p.public } : null;
    },
    registryHost: registryHostOf(config),
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    metrics,
    retryBaseMs: Number(process.env.BERTH_WEBHOOK_RETRY_MS ?? 2_000),
    onError,
  });
  webhooks.listen(registry.hooks);
  return webhooks;
}

/**
 * Scans tell webhooks when they end: SCANNING_COMPLETED, SCANNING_FAILED
 * for a scan that errored, SCANNING_STOPPED for one stopped by `scan/stop`. Other features report their events the same way,
 * with `webhooks.emit` (docs/webhooks.md, "Events from other features").
 */
export function scanWebhooks(
  scan: ScanFeature,
  webhooks: WebhooksFeature,
  access: AccessService,
  config: ServerConfig,
  onError: (err: unknown) => void,
): void {
  const registryHost = registryHostOf(config);
  scan.onScanned((report, repository) => {
    const project = repository.split('/')[0] as string;
    void (async () => {
      const p = await access.store.projectByName(project);
      if (!p) return;
      await webhooks.emit(
        scanningEvent({
          registryHost,
          repository,
          digest: report.digest,
          failed: report.status === 'Error',
          stopped: report.status === 'Stopped',
          at: report.endedAt ?? new Date().toISOString(),
          public_: p.public,
          scanOverview: await scanOverview(scan.service, report.digest),
        }),
      );
    })().catch(onError);
  });
}
