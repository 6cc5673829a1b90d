/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { WorkerSha256 } from '../adapters/hashing/worker-sha256.ts';
import { loadOrCreateSigningKeys } from '../adapters/keys/file-keys.ts';
import { loadOrCreateSecretKey } from '../adapters/keys/secret-key.ts';
import { LdapDirectory } from '../adapters/ldap/ldap-directory.ts';
import { KyselyAccessStore } from '../adapters/metadata/access-store.ts';
import { KyselyKubeStore } from '../adapters/metadata/kube-store.ts';
import { KyselyCatalog } from '../adapters/metadata/kysely-catalog.ts';
import { KyselyStore } from '../adapters/metadata/kysely-store.ts';
import { KyselyLabelStore } from '../adapters/metadata/label-store.ts';
import { KyselyScanStore } from '../adapters/metadata/scan-store.ts';
import { KyselySigningStore } from '../adapters/metadata/signing-store.ts';
import { SqliteStore } from '../adapters/metadata/sqlite.ts';
import { readRpmDb } from '../adapters/scan/rpmdb.ts';
import { FsDriver } from '../adapters/storage/fs.ts';
import { ensureAdmin } from '../core/access/bootstrap.ts';
import { LoginLimiter } from '../core/access/limiter.ts';
import { AccessService } from '../core/access/service.ts';
import type { StorageDriver } from '../core/ports.ts';
import { Registry } from '../core/registry.ts';
import { createKube, type KubeFeature } from '../features/kube/feature.ts';
import { accessRobots } from '../features/kube/robots.ts';
import { lazySecretBox, type Sealer } from '../features/kube/secretbox.ts';
import { createScan, type ScanFeature } from '../features/scan/feature.ts';
import type { ScanService } from '../features/scan/service.ts';
import { createSigning, type SigningFeature } from '../features/signing/feature.ts';
import { TrafficRecorder } from '../features/traffic/recorder.ts';
import { registryAudit } from '../http/access/audit-hook.ts';
import { Gate } from '../http/access/gate.ts';
import { RegistryAccess } from '../http/access/registry-access.ts';
import { catalogAuditor, catalogAuthorizer, catalogScope } from '../http/api/access/catalog-seam.ts';
import { sysadminOf } from '../http/api/access/context.ts';
import { kubeActor, kubeAuthorizer } from '../http/api/kube/access-seam.ts';
import { apiPlugin } from '../http/api/plugin.ts';
import { metricsRoute, RequestMetrics } from '../http/metrics.ts';
import { ociRouteOf } from '../http/oci/paths.ts';
import { ociPlugin } from '../http/oci/plugin.ts';
import { countManifestTraffic } from '../http/oci/traffic-hook.ts';
import { oidcRoutes } from '../http/oidc/routes.ts';
import { tokenRoutes } from '../http/token/routes.ts';
import { TokenService } from '../http/token/tokens.ts';
import { webPlugin } from '../http/web/plugin.ts';
import {
  databaseFile,
  previousSecretKeys,
  type ServerConfig,
  secretKeyFile,
  storageDir,
  tokenKeyFile,
} from './config.ts';

export interface Berth {
  app: FastifyInstance;
  registry: Registry;
  kube: KubeFeature;
  access: AccessService;
  /** Vulnerability scanning (reports, database, pull gate). */
  scan: ScanService;
  /** The scanning feature (rescans, metrics). */
  scanFeature: ScanFeature;
  /** Traffic and pull counters; `flush()` writes what is counted so far. */
  traffic: TrafficRecorder;
  signing: SigningFeature;
  close(): Promise<void>;
}

async function openMetadata(config: ServerConfig): Promise<KyselyStore> {
  const { database } = config;
  if (database.driver === 'postgres') {
    // Loaded only when configured: a laptop start does not pay for pg.
    const { PostgresStore } = await import('../adapters/metadata/postgres.ts');
    return PostgresStore.open({ url: database.postgres.url as string, poolSize: database.postgres.pool_size });
  }
  return SqliteStore.open(databaseFile(config));
}

async function openStorage(config: ServerConfig): Promise<StorageDriver> {
  if (config.storage.driver === 's3') {
    const s3 = config.storage.s3;
    // The AWS SDK is loaded only when configured.
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
  }
  return new FsDriver(storageDir(config));
}

/** One hashing thread for every registry in the process (tests run several). */
const uploadHashing = new WorkerSha256();

export async function openRegistry(config: ServerConfig): Promise<Registry> {
  const storage = await openStorage(config);
  const metadata = await openMetadata(config);
  return new Registry({ storage, metadata, hashes: uploadHashing.factory });
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
): Promise<KubeFeature> {
  const metadata = registry.metadata;
  if (!(metadata instanceof KyselyStore)) throw new Error('the metadata store does not hold Kubernetes settings');
  return createKube({
    store: KyselyKubeStore.over(metadata.db),
    box: await openSecretBox(config, log),
    jobs: metadata.jobs,
    robots: access ? accessRobots(access) : undefined,
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
  if (!(registry.metadata instanceof KyselyStore)) throw new Error('the metadata store does not hold identities');
  const ldap = config?.auth.ldap;
  return new AccessService(KyselyAccessStore.over(registry.metadata.db), {
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

async function buildGate(config: ServerConfig, access: AccessService, log: Logger): Promise<Gate> {
  const { generated } = await ensureAdmin(access.store, config.auth.admin_password);
  if (generated) {
    log.warn(
      { username: 'admin', password: generated },
      'created the admin account: note this password, it is shown once',
    );
    log.flush?.();
  }
  const keys = await loadOrCreateSigningKeys(tokenKeyFile(config));
  const tokens = new TokenService(keys, { issuer: 'berth', service: 'berth', ttlSeconds: config.auth.token_ttl });
  const limiter = new LoginLimiter({ maxFailures: config.auth.login_max_failures, windowMs: 5 * 60_000 });
  return new Gate(access, tokens, limiter, { realm: config.auth.token_realm });
}

export async function buildApp(config: ServerConfig, log: Logger): Promise<Berth> {
  const registry = await openRegistry(config);
  const access = openAccess(registry, log, config);
  const gate = config.auth.enabled ? await buildGate(config, access, log) : null;
  const kube = await openKube(config, registry, log, access);
  if (!(registry.metadata instanceof KyselyStore)) throw new Error('the metadata store cannot answer catalog queries');
  const catalog = new KyselyCatalog(registry.metadata.db);
  const scan = createScan({
    registry,
    store: KyselyScanStore.over(registry.metadata.db),
    readRpm: readRpmDb,
    projectId: async (name) => (await access.store.projectByName(name))?.id ?? null,
    scanOnPush: config.scan.on_push,
    rescanDays: config.scan.rescan_days,
    log,
  });
  const signing = await createSigning({
    registry,
    store: KyselySigningStore.over(registry.metadata.db),
    onError: (err) => log.warn({ err }, 'signature verification failed'),
  });
  const traffic = new TrafficRecorder({
    store: catalog,
    flushEveryMs: 5_000,
    onError: (err) => log.warn({ err }, 'could not store traffic counters'),
  });
  const app = Fastify({
    logger: false,
    forceCloseConnections: 'idle',
    // Large uploads may take long; a stalled client is still cut off by the socket timeout.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
  });
  const metrics = new RequestMetrics();
  accessLog(app, log, metrics);
  metrics.addSource(() => scan.metrics.render());
  await app.register(metricsRoute, { metrics });
  countManifestTraffic(app, traffic);
  const onUnexpected = (err: unknown) => log.error({ err }, 'unexpected error');
  if (gate) {
    registryAudit(app, gate);
    await app.register(tokenRoutes, { gate });
    const oidc = config.auth.oidc;
    if (oidc.issuer) {
      // openid-client is loaded only when OIDC is configured.
      const { OpenIdProvider } = await import('../adapters/oidc/openid-provider.ts');
      await app.register(oidcRoutes, {
        gate,
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
  await app.register(ociPlugin, { registry, onUnexpected, access: gate ? new RegistryAccess(gate) : undefined });
  await app.register(apiPlugin, {
    prefix: '/api/v2.0',
    registry,
    onUnexpected,
    access,
    gate,
    kube,
    authorizeKube: kubeAuthorizer({ registry, access, gate }),
    kubeActor: kubeActor({ registry, access, gate }),
    onRobotSecretRotated: (name, secret) => kube.connections.robotSecretRotated(name, secret).then(() => {}),
    catalog,
    traffic,
    authorizeCatalog: catalogAuthorizer({ registry, access, gate }),
    catalogScope: catalogScope({ registry, access, gate }),
    auditCatalog: catalogAuditor({ registry, access, gate }),
    scan: scan.service,
    labels: KyselyLabelStore.over(registry.metadata.db),
    requireAdmin: async (request) => void (await sysadminOf({ registry, access, gate }, request)),
    signing: signing.service,
  });
  await webPlugin(app, {});
  if (config.kube.worker) kube.worker.start();
  return {
    app,
    registry,
    access,
    scan: scan.service,
    scanFeature: scan,
    kube,
    traffic,
    signing,
    async close() {
      signing.close();
      scan.close();
      await app.close();
      await traffic.close();
      await access.close();
      await kube.worker.stop();
      await registry.metadata.close();
    },
  };
}

/** One JSON line per request (method, path, status, bytes, duration), and the request metrics. */
function accessLog(app: FastifyInstance, log: Logger, metrics: RequestMetrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    // Bytes sent on the connection for this response, headers included, counted from when the response gets the
    // connection: one that waits behind an unfinished response on the same connection gets it only then.
    let socket = res.socket;
    let writtenBefore = socket?.bytesWritten ?? 0;
    if (!socket) {
      res.once('socket', (assigned) => {
        socket = assigned;
        writtenBefore = assigned.bytesWritten;
      });
    }
    const sent = () => (socket ? socket.bytesWritten - writtenBefore : 0);
    let bytes = -1;
    // Ahead of Node's own 'finish' handler, which hands the connection to the next waiting response and flushes it.
    res.prependOnceListener('finish', () => {
      bytes = sent();
    });
    res.once('close', () => {
      const url = request.raw.url ?? '';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const method = request.raw.method ?? '';
      if (bytes < 0) bytes = sent(); // aborted: no 'finish'
      const ms = performance.now() - started;
      metrics.record(method, routeOf(request.raw, path), res.statusCode, bytes, ms / 1000);
      log.info({
        method,
        path,
        status: res.statusCode,
        bytes,
        ms: Math.round(ms * 100) / 100,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    done();
  });
}

/** A low-cardinality name for a path: the /v2 resource kind, or the API area. */
function routeOf(req: { url?: string }, path: string): string {
  if (path.startsWith('/v2/')) return `v2:${ociRouteOf(req)?.kind ?? 'unknown'}`;
  if (path.startsWith('/api/')) return 'api';
  if (path === '/metrics') return 'metrics';
  return 'other';
}
