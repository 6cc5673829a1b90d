/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { WorkerSha256 } from '../adapters/hashing/worker-sha256.ts';
import { loadOrCreateSigningKeys } from '../adapters/keys/file-keys.ts';
import { loadOrCreateSecretKey } from '../adapters/keys/secret-key.ts';
import { LdapDirectory } from '../adapters/ldap/ldap-directory.ts';
import { cachingAccessStore } from '../adapters/metadata/access-read-cache.ts';
import { KyselyAccessStore } from '../adapters/metadata/access-store.ts';
import { KyselyGcStore } from '../adapters/metadata/gc-store.ts';
import { KyselyKubeStore } from '../adapters/metadata/kube-store.ts';
import { KyselyCatalog } from '../adapters/metadata/kysely-catalog.ts';
import type { KyselyStore } from '../adapters/metadata/kysely-store.ts';
import { KyselyLabelStore } from '../adapters/metadata/label-store.ts';
import { KyselyLifecycleStore } from '../adapters/metadata/lifecycle-store.ts';
import { KyselyProxyStore } from '../adapters/metadata/proxy-store.ts';
import { KyselyRegistriesStore } from '../adapters/metadata/registries-store.ts';
import { KyselyReplicationStore } from '../adapters/metadata/replication-store.ts';
import { KyselyRetentionStore } from '../adapters/metadata/retention-store.ts';
import { KyselyScanStore } from '../adapters/metadata/scan-store.ts';
import { KyselyScannerStore } from '../adapters/metadata/scanner-store.ts';
import { KyselySessionStore } from '../adapters/metadata/sessions-store.ts';
import { KyselySettingsStore } from '../adapters/metadata/settings-store.ts';
import { KyselySigningStore } from '../adapters/metadata/signing-store.ts';
import { SqliteStore } from '../adapters/metadata/sqlite.ts';
import { KyselyWebhookStore } from '../adapters/metadata/webhooks-store.ts';
import { readRpmDb } from '../adapters/scan/rpmdb.ts';
import { FsDriver } from '../adapters/storage/fs.ts';
import { lazyStorage } from '../adapters/storage/lazy.ts';
import { ensureAdmin } from '../core/access/bootstrap.ts';
import { LoginLimiter } from '../core/access/limiter.ts';
import type { AccessStore } from '../core/access/ports.ts';
import { AccessService } from '../core/access/service.ts';
import type { JobQueue } from '../core/jobs.ts';
import { OutboundPolicy } from '../core/outbound.ts';
import type { MetadataStore, StorageDriver } from '../core/ports.ts';
import { Registry } from '../core/registry.ts';
import type { DiagnoseOptions } from '../features/kube/diagnose.ts';
import { createKube, type KubeFeature } from '../features/kube/feature.ts';
import { accessRobots } from '../features/kube/robots.ts';
import { lazySecretBox, type Sealer } from '../features/kube/secretbox.ts';
import type { KubeStore } from '../features/kube/store.ts';
import { type LabelReader, labelReader } from '../features/labels/ports.ts';
import { LabelService } from '../features/labels/service.ts';
import { createLifecycle, type LifecycleFeature } from '../features/lifecycle/feature.ts';
import { createProxy, proxyConfigFrom } from '../features/proxy/feature.ts';
import { mirrorUrl } from '../features/proxy/mirror.ts';
import { refusingPushes } from '../features/proxy/push-refusal.ts';
import { createRegistries } from '../features/registries/feature.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import { createScan, type ScanFeature } from '../features/scan/feature.ts';
import { ScannerRegistry } from '../features/scan/scanners.ts';
import type { ScanService } from '../features/scan/service.ts';
import { SessionService } from '../features/sessions/service.ts';
import { SettingsService } from '../features/settings/service.ts';
import { createSigning, type SigningFeature } from '../features/signing/feature.ts';
import type { SigningStore } from '../features/signing/store.ts';
import { TrafficRecorder } from '../features/traffic/recorder.ts';
import type { WebhooksFeature } from '../features/webhooks/feature.ts';
import { registryAudit } from '../http/access/audit-hook.ts';
import { Gate, PROBE_HEADER, probeSignature } from '../http/access/gate.ts';
import { RegistryAccess } from '../http/access/registry-access.ts';
import { accessLog } from '../http/access-log.ts';
import { trustProxies } from '../http/client-address.ts';
import { lazySchemaController, warmUp } from '../http/lazy-schemas.ts';
import { metricsRoute, RequestMetrics } from '../http/metrics.ts';
import { ociPlugin, openAccess as openOciAccess } from '../http/oci/plugin.ts';
import { countManifestTraffic } from '../http/oci/traffic-hook.ts';
import { oidcRoutes } from '../http/oidc/routes.ts';
import { probeRoutes } from '../http/probes.ts';
import { isClientDisconnect, securityHeaders } from '../http/security-headers.ts';
import { tokenRoutes } from '../http/token/routes.ts';
import { TokenService } from '../http/token/tokens.ts';
import {
  databaseFile,
  outboundPolicy,
  previousSecretKeys,
  type ServerConfig,
  secretKeyFile,
  storageDir,
  tokenKeyFile,
} from './config.ts';
import { listenerOptions, watchLimits } from './http-limits.ts';
import { forwardUnmatched, type LazyInstance, lazyInstance } from './lazy-instance.ts';
import { installLimits } from './limits.ts';
import { tlsHttp2, tlsServerOptions } from './tls.ts';
import { labelsOfArtifact, openReplication } from './wire-replication.ts';
import { openWebhooks, scanWebhooks } from './wire-webhooks.ts';

export interface Berth {
  app: FastifyInstance;
  registry: Registry;
  kube: KubeFeature;
  access: AccessService;
  /** Vulnerability scanning (reports, database, pull gate). */
  scan: ScanService;
  /** The scanning feature (rescans, metrics). */
  scanFeature: ScanFeature;
  /** Every label of an artifact by name (Harbor's and derived ones): what retention and replication filters read. */
  labels: LabelReader;
  /** Traffic and pull counters; `flush()` writes what is counted so far. */
  traffic: TrafficRecorder;
  signing: SigningFeature;
  /** The password generated for `admin` by this start (null otherwise): `serve` shows it once listening. */
  generatedAdminPassword: string | null;
  lifecycle: LifecycleFeature;
  webhooks: WebhooksFeature;
  registries: RegistriesService;
  /** The management API and console's instance (built at its first request; this builds it if not yet). */
  management: LazyInstance;
  /** Starts the background runners if buildApp was asked to defer them (idempotent). */
  startBackground(): void;
  close(): Promise<void>;
}

/**
 * The ports one metadata database answers (registry metadata, jobs,
 * identities, Kubernetes settings, catalog queries), built here, where the
 * concrete store is known, so nothing else asks what the store is.
 */
export interface MetadataPorts {
  metadata: MetadataStore;
  jobs: JobQueue;
  access(): AccessStore;
  kube(): KubeStore;
  catalog(): KyselyCatalog;
  signing(): SigningStore;
  sessions(): KyselySessionStore;
  settings(): KyselySettingsStore;
  gc(): KyselyGcStore;
  lifecycle(): KyselyLifecycleStore;
  retention(): KyselyRetentionStore;
  registries(): KyselyRegistriesStore;
  proxy(): KyselyProxyStore;
  webhooks(): KyselyWebhookStore;
  replication(): KyselyReplicationStore;
  scan(): KyselyScanStore;
  scanners(): KyselyScannerStore;
  labels(): KyselyLabelStore;
}

/** The ports of each registry's metadata store, as openRegistry opened them. */
const portsByStore = new WeakMap<MetadataStore, MetadataPorts>();

/** The stores of a registry opened by openRegistry (the CLI's commands use them too). */
export function metadataPorts(registry: Registry): MetadataPorts {
  const ports = portsByStore.get(registry.metadata);
  if (!ports) throw new Error('this registry was not opened by openRegistry: its metadata ports are unknown');
  return ports;
}

function portsOver(store: KyselyStore): MetadataPorts {
  // One identity read cache per database: a second one would not see the first one's writes.
  let access: AccessStore | null = null;
  return {
    metadata: store,
    jobs: store.jobs,
    access: () => (access ??= cachingAccessStore(KyselyAccessStore.over(store.db), store.identityChanges())),
    kube: () => KyselyKubeStore.over(store.db),
    catalog: () => new KyselyCatalog(store.db),
    signing: () => KyselySigningStore.over(store.db),
    sessions: () => KyselySessionStore.over(store.db),
    settings: () => KyselySettingsStore.over(store.db),
    gc: () => KyselyGcStore.over(store.db),
    lifecycle: () => KyselyLifecycleStore.over(store.db),
    retention: () => KyselyRetentionStore.over(store.db),
    registries: () => KyselyRegistriesStore.over(store.db),
    proxy: () => KyselyProxyStore.over(store.db),
    webhooks: () => KyselyWebhookStore.over(store.db),
    replication: () => KyselyReplicationStore.over(store.db),
    scan: () => KyselyScanStore.over(store.db),
    scanners: () => KyselyScannerStore.over(store.db),
    labels: () => KyselyLabelStore.over(store.db),
  };
}

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

async function openMetadata(config: ServerConfig): Promise<MetadataPorts> {
  const { database } = config;
  if (database.driver === 'postgres') {
    // Loaded only when configured: a laptop start does not pay for pg.
    const { PostgresStore } = await import('../adapters/metadata/postgres.ts');
    return portsOver(
      await PostgresStore.open({ url: database.postgres.url as string, poolSize: database.postgres.pool_size }),
    );
  }
  return portsOver(await SqliteStore.open(databaseFile(config)));
}

async function openStorage(config: ServerConfig): Promise<StorageDriver> {
  if (config.storage.driver === 's3') {
    const s3 = config.storage.s3;
    // The AWS SDK is loaded only when configured, and then at the first object touched (adapters/storage/lazy.ts).
    return lazyStorage('s3', async () => {
      const { S3Driver } = await import('../adapters/storage/s3.ts');
      return new S3Driver({
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        prefix: s3.prefix,
        accessKeyId: s3.access_key,
        secretAccessKey: s3.secret_key,
        forcePathStyle: s3.force_path_style,
        redirect: s3.redirect,
      });
    });
  }
  return new FsDriver(storageDir(config));
}

/** One hashing thread for every registry in the process (tests run several). */
const uploadHashing = new WorkerSha256();

export async function openRegistry(config: ServerConfig): Promise<Registry> {
  const storage = await openStorage(config);
  const ports = await openMetadata(config);
  portsByStore.set(ports.metadata, ports);
  return new Registry({ storage, metadata: ports.metadata, hashes: uploadHashing.factory });
}

/** The few logger methods the Kubernetes wiring uses (pino's Logger, or a console stand-in in the CLI). */
export interface NoteLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The key that seals stored credentials: configured, or generated once into the data folder. */
export async function openSecretBox(config: ServerConfig, log?: Pick<NoteLog, 'info' | 'warn'>): Promise<Sealer> {
  let key = config.secrets.key;
  if (!key) {
    const file = secretKeyFile(config);
    const loaded = await loadOrCreateSecretKey(file);
    key = loaded.key;
    if (loaded.generated) {
      log?.info({ file }, 'generated the encryption key for stored credentials (secrets.key); back this file up');
      if (config.database.driver === 'postgres') {
        log?.warn(
          { file },
          'with PostgreSQL every node must use the same secrets.key (BERTH_SECRET_KEY): copy this key to the others',
        );
      }
    }
  }
  // The key is read (or made) now, so the log line comes at first start; it is derived on first use.
  return lazySecretBox(key, previousSecretKeys(config));
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

/** Identities live in the metadata database (SQLite or PostgreSQL, through Kysely). */
export function openAccess(registry: Registry, log?: Logger, config?: ServerConfig): AccessService {
  const ldap = config?.auth.ldap;
  return new AccessService(metadataPorts(registry).access(), {
    directory: ldap?.url
      ? new LdapDirectory({
          url: ldap.url,
          bindDn: ldap.bind_dn,
          bindPassword: ldap.bind_password,
          baseDn: ldap.base_dn as string,
          filter: ldap.filter,
          uidAttribute: ldap.uid_attribute,
        })
      : undefined,
    onError: (err) => log?.error({ err }, 'identity store or directory failed'),
  });
}

async function buildGate(
  config: ServerConfig,
  access: AccessService,
  log: Logger,
  probeKey?: string,
  sessions?: SessionService,
): Promise<{ gate: Gate; generated: string | null }> {
  const { generated } = await ensureAdmin(access.store, config.auth.admin_password);
  // The password itself is not logged: `serve` prints it as a banner once listening.
  if (generated) log.warn({ username: 'admin' }, 'created the admin account with a generated password');
  const keys = await loadOrCreateSigningKeys(tokenKeyFile(config));
  const tokens = new TokenService(keys, { issuer: 'berth', service: 'berth', ttlSeconds: config.auth.token_ttl });
  const limiter = new LoginLimiter({ maxFailures: config.auth.login_max_failures, windowMs: 5 * 60_000 });
  return { gate: new Gate(access, tokens, limiter, { realm: config.auth.token_realm, probeKey, sessions }), generated };
}

export interface BuildOptions {
  /**
   * Leave the background runners (Kubernetes reconcile, lifecycle schedules,
   * webhook and replication queues) stopped until `startBackground()`: `serve`
   * starts them once listening, so their first passes do not delay the first
   * request (start-up time, bench/FINDINGS.md).
   */
  deferBackground?: boolean;
  /** Writes the access log's lines in the logger's format without going through it (`serve`: `infoLines`). */
  accessLines?: (fields: Record<string, string | number | boolean>) => void;
}

export async function buildApp(config: ServerConfig, log: Logger, options: BuildOptions = {}): Promise<Berth> {
  const registry = await openRegistry(config);
  const access = openAccess(registry, log, config);
  // Berth's own pull diagnoses mark their registry requests, so a bad secret
  // being diagnosed does not lock its account out (see Gate.login).
  const probeKey = randomBytes(32).toString('base64url');
  const sessions = new SessionService(metadataPorts(registry).sessions(), { ttlSeconds: 8 * 3600 });
  const built = config.auth.enabled ? await buildGate(config, access, log, probeKey, sessions) : null;
  const gate = built?.gate ?? null;
  const settings = new SettingsService(
    metadataPorts(registry).settings(),
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
    probeHeaders: (authorization) => ({ [PROBE_HEADER]: probeSignature(probeKey, authorization) }),
  });
  const catalog = metadataPorts(registry).catalog();
  const scanners = new ScannerRegistry({
    store: metadataPorts(registry).scanners(),
    box: await openSecretBox(config, log),
    outbound: OutboundPolicy.fromSetting(config.outbound.allow),
    projectId: async (name) => (await access.store.projectByName(name))?.id ?? null,
    registryUrl: () =>
      config.scan.registry_url ?? listeningUrl(app.server.address(), config.tls.cert ? 'https' : 'http'),
    pullCredential: async (repository) =>
      gate ? `Bearer ${(await gate.tokens.issueScanGrant(repository)).token}` : '',
  });
  const scan = createScan({
    registry,
    scanners,
    store: metadataPorts(registry).scan(),
    readRpm: readRpmDb,
    projectId: async (name) => (await access.store.projectByName(name))?.id ?? null,
    scanOnPush: config.scan.on_push,
    rescanDays: config.scan.rescan_days,
    // The registry's pulled_at (traffic recorder) says which images are in use.
    flushPulls: () => traffic.flush(),
    log,
  });
  const labels = labelReader(
    metadataPorts(registry).labels(),
    async (digest) => (await scan.service.store.report(digest))?.labels ?? [],
  );
  const signing = await createSigning({
    registry,
    store: metadataPorts(registry).signing(),
    onError: (err) => log.warn({ err }, 'signature verification failed'),
  });
  const registries = createRegistries({
    store: metadataPorts(registry).registries(),
    box: await openSecretBox(config, log),
    policy: OutboundPolicy.fromSetting(config.outbound.allow),
  });
  const traffic = new TrafficRecorder({
    store: catalog,
    flushEveryMs: 5_000,
    onError: (err) => log.warn({ err }, 'could not store traffic counters'),
  });
  // A client's manifest GET answered 200 (the registry's pull event, sent right after the answer); HEAD is no pull.
  registry.hooks.on(
    (e) => {
      if (e.type === 'manifest.pulled') traffic.pull(e.repository, e.digest);
    },
    ['manifest.pulled'],
  );
  // With TLS the server is HTTP/2 (HTTP/1.1 by ALPN); the routes see the same request/reply API.
  const app = Fastify({
    ...tlsServerOptions(config),
    logger: false,
    forceCloseConnections: 'idle',
    // Header, idle-read and request timeouts (server/http-limits.ts).
    ...listenerOptions(config.server),
    // Route schemas compile on first use (start-up time), the rest right after listening.
    schemaController: lazySchemaController(),
  } as object) as unknown as FastifyInstance;
  app.addHook('onListen', (done) => {
    warmUp((err) => log.error({ err }, 'a route schema does not compile'));
    done();
  });
  watchLimits(app.server, config.server, log);
  trustProxies(app, config.server.trusted_proxies);
  const metrics = new RequestMetrics();
  const lifecycle = openLifecycle(registry, {
    metrics: metrics.registry,
    onError: (err) => log.error({ err }, 'storage lifecycle task failed'),
  });
  const proxy = await createProxy({
    registry,
    registries,
    store: metadataPorts(registry).proxy(),
    spoolDir: join(config.data_dir, 'proxy-spool'),
    config: proxyConfigFrom(config.proxy),
    prometheus: metrics.registry,
    log,
  });
  const mirrors = proxy.config.mirrors;
  if (mirrors.size > 0)
    app.addHook('onRequest', (request, _reply, done) => {
      const rewritten = mirrorUrl(request.raw.url ?? '', mirrors);
      if (rewritten) request.raw.url = rewritten;
      done();
    });
  const ports = metadataPorts(registry);
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
  accessLog(app, options.accessLines ?? ((fields) => log.info(fields)), metrics);
  installLimits(app, config.limits, metrics.registry);
  metrics.addSource(() => scan.metrics.render());
  await app.register(metricsRoute, { metrics });
  countManifestTraffic(app, traffic);
  await securityHeaders(app);
  // A client that goes away mid-request is not a server error: logged as aborted.
  const onUnexpected = (err: unknown) =>
    isClientDisconnect(err)
      ? log.info({ reason: (err as Error).message }, 'request aborted: the client disconnected')
      : log.error({ err }, 'unexpected error');
  if (gate) {
    registryAudit(app, gate);
    await app.register(tokenRoutes, { gate });
    const oidc = config.auth.oidc;
    if (oidc.issuer) {
      // openid-client is loaded only when OIDC is configured.
      const { OpenIdProvider } = await import('../adapters/oidc/openid-provider.ts');
      await app.register(oidcRoutes, {
        gate,
        sessions,
        redirectUri: oidc.redirect_url as string,
        provider: new OpenIdProvider({
          issuer: oidc.issuer,
          clientId: oidc.client_id as string,
          clientSecret: oidc.client_secret as string,
          redirectUri: oidc.redirect_url as string,
          scope: oidc.scope,
          userClaim: oidc.user_claim,
        }),
      });
    }
  }
  await app.register(ociPlugin, {
    registry,
    onUnexpected,
    access: refusingPushes(gate ? new RegistryAccess(gate) : openOciAccess, proxy.projects),
  });
  await app.register(probeRoutes, { registry });
  // The management API, the console and its sessions: a second instance built at their first request.
  const management = lazyInstance(
    { ...tlsHttp2(config), logger: false, schemaController: lazySchemaController() },
    async (api) => {
      const { mountManagement } = await import('./management.ts');
      await mountManagement(api, {
        registry,
        access,
        gate,
        sessions,
        oidc: Boolean(gate && config.auth.oidc.issuer),
        onUnexpected,
        kube,
        catalog,
        traffic,
        scan: scan.service,
        labels: new LabelService(metadataPorts(registry).labels()),
        signing,
        lifecycle,
        registries,
        proxy,
        webhooks,
        settings,
        replication,
      });
      // As at start for the first instance: a broken schema shows in the log soon, not at some later request.
      warmUp((err) => log.error({ err }, 'a route schema does not compile'));
    },
  );
  await forwardUnmatched(app, management, (err) => log.error({ err }, 'could not build the management API'));
  let backgroundStarted = false;
  const startBackground = () => {
    if (backgroundStarted) return;
    backgroundStarted = true;
    metrics.collectDefaults();
    if (config.kube.worker) kube.worker.start();
    lifecycle.start();
    webhooks.runner.start();
    replication.start();
  };
  if (!options.deferBackground) startBackground();
  return {
    app,
    registry,
    access,
    scan: scan.service,
    scanFeature: scan,
    labels,
    kube,
    traffic,
    signing,
    generatedAdminPassword: built?.generated ?? null,
    lifecycle,
    webhooks,
    registries,
    management,
    startBackground,
    async close() {
      backgroundStarted = true; // a start still pending must not begin during or after close
      signing.close();
      scan.close();
      await app.close();
      await management.close();
      await lifecycle.stop();
      await proxy.close();
      await webhooks.runner.stop();
      await replication.stop();
      registries.close();
      await traffic.close();
      await access.close();
      await kube.worker.stop();
      await registry.metadata.close();
    },
  };
}

/** The address Berth answers on, as a scanner on this machine or network reaches it (a wildcard becomes loopback). */
function listeningUrl(info: AddressInfo | string | null, scheme: 'http' | 'https'): string {
  if (!info || typeof info === 'string') return `${scheme}://127.0.0.1`;
  const address = info.address === '0.0.0.0' ? '127.0.0.1' : info.address === '::' ? '::1' : info.address;
  return `${scheme}://${info.family === 'IPv6' || address.includes(':') ? `[${address}]` : address}:${info.port}`;
}
