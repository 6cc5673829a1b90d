/**
 * The webhooks feature assembled from its ports: the service, the delivery
 * runner on the shared job queue, and the listener that turns registry
 * events (push, pull, delete) into deliveries. src/server/app.ts wires it.
 */
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { RegistryEvent, RegistryHooks } from '../../core/hooks.ts';
import type { JobQueue } from '../../core/jobs.ts';
import { projectOf } from '../../core/names.ts';
import type { Sealer } from '../kube/secretbox.ts';
import { fromRegistryEvent, type WebhookEvent, webhookTypeOf } from './events.ts';
import { JobRunner } from './job-runner.ts';
import type { OutboundGuard } from './sender.ts';
import { DELIVERY_JOB, WebhookService } from './service.ts';
import type { WebhookStore } from './store.ts';

export type ProjectLookup = (name: string) => Promise<{ id: number; public: boolean } | null>;

export interface WebhooksDeps {
  store: WebhookStore;
  box: Sealer;
  jobs: JobQueue;
  outbound: OutboundGuard;
  projects: ProjectLookup;
  /** `host[:port]` of this registry, for `resource_url`. */
  registryHost: string;
  owner: string;
  metrics?: MetricsRegistry;
  maxAttempts?: number;
  retryBaseMs?: number;
  /** How long a project's subscribed event types are kept (0: always asked). */
  listenCacheMs?: number;
  onError?: (err: unknown) => void;
}

export interface WebhooksFeature {
  service: WebhookService;
  runner: JobRunner;
  /** Reports an event of a project by name (other features: quota, retention, scans, replication). */
  emit(event: WebhookEvent): Promise<number>;
  /** Subscribes to the registry's events. */
  listen(hooks: RegistryHooks): void;
}

export function createWebhooks(deps: WebhooksDeps): WebhooksFeature {
  const deliveries = new Counter({
    name: 'berth_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (succeed, retry, failed).',
    labelNames: ['outcome'] as const,
    registers: deps.metrics ? [deps.metrics] : [],
  });
  let runner: JobRunner | undefined;
  const service = new WebhookService({
    store: deps.store,
    box: deps.box,
    jobs: deps.jobs,
    outbound: deps.outbound,
    maxAttempts: deps.maxAttempts,
    retryBaseMs: deps.retryBaseMs,
    deliveries,
    onQueued: () => runner?.nudge(),
  });
  runner = new JobRunner({
    jobs: deps.jobs,
    kinds: [DELIVERY_JOB],
    owner: deps.owner,
    handle: (job) => service.deliver(job),
    concurrency: 4,
    onError: (err) => deps.onError?.(err),
  });
  // Pushes and pulls are frequent and most projects have no webhook: which event types a project listens
  // for is kept a few seconds (cleared on this node's policy changes; other nodes catch up within the TTL).
  const listening = new Map<string, { until: number; id: number; public: boolean; types: Set<string> }>();
  const projectListening = async (name: string) => {
    const cached = listening.get(name);
    if (cached && cached.until > Date.now()) return cached;
    const project = await deps.projects(name);
    if (!project) return null;
    const types = new Set(
      (await deps.store.policiesOf(project.id)).filter((p) => p.enabled).flatMap((p) => p.eventTypes),
    );
    const entry = { until: Date.now() + (deps.listenCacheMs ?? 5_000), id: project.id, public: project.public, types };
    if (listening.size > 10_000) listening.clear();
    listening.set(name, entry);
    return entry;
  };
  service.onPoliciesChanged = () => listening.clear();
  const emit = async (event: WebhookEvent): Promise<number> => {
    const project = await deps.projects(event.project);
    return project ? service.notify(project.id, event) : 0;
  };
  return {
    service,
    runner,
    emit,
    listen(hooks) {
      const deliver = async (event: RegistryEvent, name: string, type: string) => {
        const project = await projectListening(name);
        if (!project?.types.has(type)) return;
        const hook = fromRegistryEvent(event, deps.registryHost, () => project.public);
        if (hook && project.types.has(hook.type)) await service.notify(project.id, hook);
      };
      hooks.on(
        (event: RegistryEvent) => {
          const type = webhookTypeOf(event);
          if (!type) return;
          const name = projectOf(event.repository);
          // Every manifest GET arrives here and most projects listen for no pulls: a project known not to listen
          // is passed by without a promise or any event data built.
          const known = listening.get(name);
          if (known && known.until > Date.now() && !known.types.has(type)) return;
          return deliver(event, name, type);
        },
        ['manifest.pushed', 'manifest.deleted', 'tag.deleted', 'manifest.pulled'],
      );
    },
  };
}
