/**
 * The optional features' wiring (Kubernetes, scanning, labels, signing,
 * upstream registries, storage lifecycle, proxy cache, webhooks,
 * replication), in a module of its own: `serve` loads it with `import()`
 * once listening, so a start compiles and evaluates none of their modules
 * before the first answer to `/v2/` (bench/FINDINGS.md, "Start-up, session
 * 9"). `buildApp` loads it before returning, as before.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { readRpmDb } from '../adapters/scan/rpmdb.ts';
import type { AccessService } from '../core/access/service.ts';
import { OutboundPolicy } from '../core/outbound.ts';
import type { Registry } from '../core/registry.ts';
import type { DiagnoseOptions } from '../features/kube/diagnose.ts';
import { createKube, type KubeFeature } from '../features/kube/feature.ts';
import { accessRobots } from '../features/kube/robots.ts';
import { type LabelReader, labelReader } from '../features/labels/ports.ts';
import { createLifecycle, type LifecycleFeature } from '../features/lifecycle/feature.ts';
import { createProxy, type ProxyFeature, proxyConfigFrom } from '../features/proxy/feature.ts';
import { refusingPushes } from '../features/proxy/push-refusal.ts';
import { createRegistries } from '../features/registries/feature.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import { createScan, type ScanFeature } from '../features/scan/feature.ts';
import { ScannerRegistry } from '../features/scan/scanners.ts';
import { SettingsService } from '../features/settings/service.ts';
import { createSigning, type SigningFeature } from '../features/signing/feature.ts';
import { TrafficRecorder } from '../features/traffic/recorder.ts';
import type { WebhooksFeature } from '../features/webhooks/feature.ts';
import type { Gate } from '../http/access/gate.ts';
import { PROBE_HEADER, probeSignature } from '../http/access/gate.ts';
import type { RequestMetrics } from '../http/metrics.ts';
import type { AccessControl } from '../http/oci/plugin.ts';
import { listeningUrl, metadataPorts, type NoteLog, openSecretBox } from './app.ts';
import { outboundPolicy, type ServerConfig } from './config.ts';
import { labelsOfArtifact, openReplication } from './wire-replication.ts';
import { openWebhooks, scanWebhooks } from './wire-webhooks.ts';

/**
 * GC, quotas, immutable tags and tag history over the metadata database,
 * hooked into the registry. BERTH_GC_KEEP_HISTORY (default 10) and
 * BERTH_UPLOAD_MAX_AGE_HOURS (default 24) tune what GC keeps and purges;
 * BERTH_LIFECYCLE_LEASE_SECONDS (default 60) is how soon a GC run or
 * retention execution of a node that died is resumed elsewhere.
 */
export function openLifecycle(
  registry: Registry,
  options: { metrics?: import('prom-client').Registry; onError?: (err: unknown) => void } = {},
): LifecycleFeature {
  const ports = metadataPorts(registry);
  const number = (name: string, fallback: number) => {
    const v = Number(process.env[name] ?? fallback);
    return Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return createLifecycle({
    registry,
    gcStore: ports.gc(),
    store: ports.lifecycle(),
    retentionStore: ports.retention(),
    labels: async (repository, digests) => {
      const attached = await ports.labels().attached(repository, digests);
      return new Map([...attached].map(([digest, labels]) => [digest, labels.map((l) => l.name)]));
    },
    jobs: ports.jobs,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: Math.max(1, number('BERTH_LIFECYCLE_LEASE_SECONDS', 60)) * 1000,
    keepHistory: number('BERTH_GC_KEEP_HISTORY', 10),
    uploadMaxAgeHours: number('BERTH_UPLOAD_MAX_AGE_HOURS', 24),
    metrics: options.metrics,
    onError: options.onError,
  });
}

/**
 * The Kubernetes feature over the metadata database, the job queue and
 * client-node clusters; with `access`, connections may create Berth robots.
 */
export async function openKube(
  config: ServerConfig,
  registry: Registry,
  log?: NoteLog,
  access?: AccessService,
  diagnose?: DiagnoseOptions,
): Promise<KubeFeature> {
  const ports = metadataPorts(registry);
  return createKube({
    store: ports.kube(),
    box: await openSecretBox(config, log),
    jobs: ports.jobs,
    robots: access ? accessRobots(access) : undefined,
    rotationOverlapSeconds: config.kube.rotation_overlap,
    outbound: outboundPolicy(config),
    diagnose,
    mirrorProjects: proxyConfigFrom(config.proxy).mirrors,
    serviceAccountDir: config.kube.in_cluster
      ? (process.env.BERTH_SERVICE_ACCOUNT_DIR ?? '/var/run/secrets/kubernetes.io/serviceaccount')
      : undefined,
    // Loaded on first use: a start that never talks to a cluster does not pay for client-node.
    clusterFor: async (kubeconfig, context) => {
      const { clusterFromKubeconfig } = await import('../adapters/kubernetes/client-node-cluster.ts');
      return clusterFromKubeconfig(kubeconfig, { context });
    },
    worker: {
      owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      fullIntervalMs: config.kube.reconcile_interval * 1000,
      onError: (err, job) => log?.error({ err, job: job?.id }, 'kube reconcile failed'),
      onJob: (job, outcome, detail) =>
        log?.info({ job: job.id, kind: job.kind, outcome, ...(detail ? { detail } : {}) }, 'kube reconcile'),
    },
  });
}

/** What the features are built on: what `buildApp` made before listening. */
export interface FeatureInputs {
  config: ServerConfig;
  log: Logger;
  app: FastifyInstance;
  registry: Registry;
  access: AccessService;
  gate: Gate | null;
  /** The /v2 access check before the proxy feature's push refusal is added. */
  ociAccess: AccessControl;
  probeKey: string;
  metrics: RequestMetrics;
}

export interface Features {
  settings: SettingsService;
  kube: KubeFeature;
  scan: ScanFeature;
  labels: LabelReader;
  signing: SigningFeature;
  registries: RegistriesService;
  traffic: TrafficRecorder;
  lifecycle: LifecycleFeature;
  proxy: ProxyFeature;
  webhooks: WebhooksFeature;
  replication: ReturnType<typeof openReplication>;
  /** `ociAccess` with pushes to proxy and group projects refused. */
  ociAccess: AccessControl;
}

export async function wireFeatures(inputs: FeatureInputs): Promise<Features> {
  const { config, log, app, registry, access, gate, metrics } = inputs;
  const ports = metadataPorts(registry);
  const settings = new SettingsService(
    ports.settings(),
    {
      authMode: config.auth.oidc.issuer ? 'oidc_auth' : config.auth.ldap.url ? 'ldap_auth' : 'db_auth',
      tokenSeconds: config.auth.token_ttl,
    },
    // Registry tokens follow the stored token_expiration (read every few seconds, so every node follows).
    (seconds) => {
      if (gate) gate.tokens.options.ttlSeconds = seconds;
    },
  );
  await settings.view();
  // Other nodes' changes arrive within a minute; the timer never holds the process open.
  setInterval(() => void settings.view().catch(() => undefined), 60_000).unref();
  const kube = await openKube(config, registry, log, access, {
    probeHeaders: (authorization) => ({ [PROBE_HEADER]: probeSignature(inputs.probeKey, authorization) }),
  });
  const catalog = ports.catalog();
  const scanners = new ScannerRegistry({
    store: ports.scanners(),
    box: await openSecretBox(config, log),
    outbound: OutboundPolicy.fromSetting(config.outbound.allow),
    projectId: async (name) => (await access.store.projectByName(name))?.id ?? null,
    registryUrl: () =>
      config.scan.registry_url ?? listeningUrl(app.server.address(), config.tls.cert ? 'https' : 'http'),
    pullCredential: async (repository) =>
      gate ? `Bearer ${(await gate.tokens.issueScanGrant(repository)).token}` : '',
  });
  const traffic = new TrafficRecorder({
    store: catalog,
    flushEveryMs: 5_000,
    onError: (err) => log.warn({ err }, 'could not store traffic counters'),
  });
  const scan = createScan({
    registry,
    scanners,
    store: ports.scan(),
    readRpm: readRpmDb,
    projectId: async (name) => (await access.store.projectByName(name))?.id ?? null,
    scanOnPush: config.scan.on_push,
    rescanDays: config.scan.rescan_days,
    // The registry's pulled_at (traffic recorder) says which images are in use.
    flushPulls: () => traffic.flush(),
    log,
  });
  const labels = labelReader(ports.labels(), async (digest) => (await scan.service.store.report(digest))?.labels ?? []);
  const signing = await createSigning({
    registry,
    store: ports.signing(),
    onError: (err) => log.warn({ err }, 'signature verification failed'),
  });
  const registries = createRegistries({
    store: ports.registries(),
    box: await openSecretBox(config, log),
    policy: OutboundPolicy.fromSetting(config.outbound.allow),
  });
  // A client's manifest GET answered 200 (the registry's pull event, sent right after the answer); HEAD is no pull.
  registry.hooks.on(
    (e) => {
      if (e.type === 'manifest.pulled') traffic.pull(e.repository, e.digest);
    },
    ['manifest.pulled'],
  );
  const lifecycle = openLifecycle(registry, {
    metrics: metrics.registry,
    onError: (err) => log.error({ err }, 'storage lifecycle task failed'),
  });
  const proxy = await createProxy({
    registry,
    registries,
    store: ports.proxy(),
    spoolDir: join(config.data_dir, 'proxy-spool'),
    config: proxyConfigFrom(config.proxy),
    prometheus: metrics.registry,
    log,
  });
  const webhooks = openWebhooks(
    config,
    registry,
    access,
    await openSecretBox(config),
    metrics.registry,
    (err) => log.error({ err }, 'webhook delivery failed'),
    { webhooks: ports.webhooks(), jobs: ports.jobs },
  );
  scanWebhooks(scan, webhooks, access, config, (err) => log.warn({ err }, 'could not report a scan to webhooks'));
  lifecycle.retention.onFinished = (done) =>
    void webhooks
      .emit({
        type: 'TAG_RETENTION',
        project: done.project,
        operator: 'retention',
        at: new Date().toISOString(),
        eventData: {
          retention: {
            total: done.total,
            retained: done.retained,
            removed: done.removed,
            status: done.status,
            dry_run: done.dryRun,
            execution_id: done.executionId,
            retention_policy_id: done.policyId,
            project_name: done.project,
          },
        },
      })
      .catch((err) => log.warn({ err }, 'could not report a retention run to webhooks'));
  const replication = openReplication(
    registry,
    registries,
    webhooks,
    access,
    metrics.registry,
    (err) => log.error({ err }, 'replication failed'),
    { replication: ports.replication(), jobs: ports.jobs },
    labelsOfArtifact(ports.labels(), scan.service),
  );
  metrics.addSource(() => scan.metrics.render());
  return {
    settings,
    kube,
    scan,
    labels,
    signing,
    registries,
    traffic,
    lifecycle,
    proxy,
    webhooks,
    replication,
    ociAccess: refusingPushes(inputs.ociAccess, proxy.projects),
  };
}
