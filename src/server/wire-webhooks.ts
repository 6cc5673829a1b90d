/** Wiring of the webhooks feature: its SQL store, the shared job queue, the outbound rule and metrics. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { KyselyWebhookStore } from '../adapters/metadata/webhooks-store.ts';
import type { AccessService } from '../core/access/service.ts';
import type { JobQueue } from '../core/jobs.ts';
import type { Registry } from '../core/registry.ts';
import type { Sealer } from '../features/kube/secretbox.ts';
import { createWebhooks, type WebhooksFeature } from '../features/webhooks/feature.ts';
import { outboundPolicy, type ServerConfig } from './config.ts';

export function openWebhooks(
  config: ServerConfig,
  registry: Registry,
  access: AccessService,
  box: Sealer,
  metrics: MetricsRegistry | undefined,
  onError: (err: unknown) => void,
  stores: { webhooks: KyselyWebhookStore; jobs: JobQueue },
): WebhooksFeature {
  const external = process.env.BERTH_EXTERNAL_URL;
  const webhooks = createWebhooks({
    store: stores.webhooks,
    box,
    jobs: stores.jobs,
    outbound: outboundPolicy(config),
    projects: async (name) => {
      const p = await access.store.projectByName(name);
      return p ? { id: p.id, public: p.public } : null;
    },
    registryHost: external ? new URL(external).host : `${config.server.host}:${config.server.port}`,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    metrics,
    retryBaseMs: Number(process.env.BERTH_WEBHOOK_RETRY_MS ?? 2_000),
    onError,
  });
  webhooks.listen(registry.hooks);
  return webhooks;
}
