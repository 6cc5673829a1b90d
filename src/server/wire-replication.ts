/** Wiring of the replication feature: its SQL store, the job queue, the upstream registries and metrics. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { KyselyReplicationStore } from '../adapters/metadata/replication-store.ts';
import type { AccessService } from '../core/access/service.ts';
import type { JobQueue } from '../core/jobs.ts';
import type { Registry } from '../core/registry.ts';
import type { LabelStore } from '../features/labels/store.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import { createReplication, type ReplicationFeature } from '../features/replication/feature.ts';
import type { LabelsOf } from '../features/replication/sides.ts';
import type { ScanService } from '../features/scan/service.ts';
import type { WebhooksFeature } from '../features/webhooks/feature.ts';

const envNumber = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

/** Label names of a local artifact for label filters: attached labels, then the scanner's derived ones. */
export function labelsOfArtifact(labels: LabelStore, scan: ScanService | null): LabelsOf {
  return async (repository, digest) => {
    const attached = (await labels.attached(repository, [digest])).get(digest) ?? [];
    const derived = scan ? ((await scan.store.report(digest))?.labels ?? []) : [];
    return [...attached.map((l) => l.name), ...derived];
  };
}

export function openReplication(
  registry: Registry,
  registries: RegistriesService,
  webhooks: WebhooksFeature,
  access: AccessService,
  metrics: MetricsRegistry | undefined,
  onError: (err: unknown) => void,
  stores: { replication: KyselyReplicationStore; jobs: JobQueue },
  labelsOf?: LabelsOf,
): ReplicationFeature {
  const replication = createReplication({
    store: stores.replication,
    jobs: stores.jobs,
    registry,
    registries,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    metrics,
    chunkBytes: envNumber('BERTH_REPLICATION_CHUNK_BYTES'),
    taskAttempts: envNumber('BERTH_REPLICATION_ATTEMPTS'),
    retryBaseMs: envNumber('BERTH_REPLICATION_RETRY_MS'),
    retryMaxMs: envNumber('BERTH_REPLICATION_RETRY_MAX_MS'),
    labelsOf,
    // The REPLICATION webhook goes to the projects of the policy's name filter when it names one.
    onExecutionDone: (policy, executionId, status) => {
      const project = policy.filters.find((f) => f.type === 'name')?.value.split('/')[0];
      if (!project || /[*?[{]/.test(project)) return;
      webhooks
        .emit({
          type: 'REPLICATION',
          project,
          operator: 'replication',
          at: new Date().toISOString(),
          eventData: {
            replication: {
              harbor_hostname: hostname(),
              job_status: status,
              execution_id: executionId,
              policy_creator: 'admin',
              trigger_type: policy.trigger.type,
              src_resource: { registry_type: policy.srcRegistryId === null ? 'harbor' : 'registry' },
              dest_resource: { namespace: policy.destNamespace },
            },
          },
        })
        .catch(onError);
    },
    onError,
  });
  void access;
  replication.listen(registry.hooks);
  return replication;
}
