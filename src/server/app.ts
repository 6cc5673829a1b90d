/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { FsDriver } from '../adapters/storage/fs.ts';
import { lazyStorage } from '../adapters/storage/lazy.ts';
import { ensureAdmin } from '../core/access/bootstrap.ts';
import { LoginLimiter } from '../core/access/limiter.ts';
import type { AccessStore } from '../core/access/ports.ts';
import { AccessService } from '../core/access/service.ts';
import type { JobQueue } from '../core/jobs.ts';
import type { MetadataStore, StorageDriver } from '../core/ports.ts';
import { Registry } from '../core/registry.ts';
import type { KubeFeature } from '../features/kube/feature.ts';
import { lazySecretBox, type Sealer } from '../features/kube/secretbox.ts';
import type { KubeStore } from '../features/kube/store.ts';
import type { LabelReader } from '../features/labels/ports.ts';
import { LabelService } from '../features/labels/service.ts';
import type { LifecycleFeature } from '../features/lifecycle/feature.ts';
import { mirrorUrl, parseMirrorMap } from '../features/proxy/mirror.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import type { ScanFeature } from '../features/scan/feature.ts';
import type { ScanService } from '../features/scan/service.ts';
import { SessionService } from '../features/sessions/service.ts';
import type { SigningFeature } from '../features/signing/feature.ts';
import type { SigningStore } from '../features/signing/store.ts';
import type { TrafficRecorder } from '../features/traffic/recorder.ts';
import type { WebhooksFeature } from '../features/webhooks/feature.ts';
import { registryAudit } from '../http/access/audit-hook.ts';
import { TOKEN_SERVICE } from '../http/access/challenge.ts';
import { Gate } from '../http/access/gate.ts';
import { RegistryAccess } from '../http/access/registry-access.ts';
import { accessLog, recordAnswer } from '../http/access-log.ts';
import { trustProxies } from '../http/client-address.ts';
import { lazySchemaController, loadSchemaCompilers, warmUp } from '../http/lazy-schemas.ts';
import { metricsRoute, RequestMetrics } from '../http/metrics.ts';
import { ociOtherMethods } from '../http/oci/other-methods.ts';
import { type AccessControl, ociPlugin, openAccess as openOciAccess } from '../http/oci/plugin.ts';
import { countManifestTraffic } from '../http/oci/traffic-hook.ts';
import { oidcRoutes } from '../http/oidc/routes.ts';
import { probeRoutes } from '../http/probes.ts';
import { isClientDisconnect, securityHeaders } from '../http/security-headers.ts';
import { tokenRoutes } from '../http/token/routes.ts';
import { TokenService } from '../http/token/tokens.ts';
import {
  databaseFile,
  previousSecretKeys,
  type ServerConfig,
  secretKeyFile,
  storageDir,
  tokenKeyFile,
} from './config.ts';
import type { Door } from './door.ts';
import type { Features } from './features.ts';
import { listenerOptions, watchLimits } from './http-limits.ts';
import { forwardUnmatched, type LazyInstance, lazyInstance } from './lazy-instance.ts';
import { installLimits } from './limits.ts';
import { tlsHttp2, tlsServerOptions } from './tls.ts';

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
        partSize: s3.part_size_mib * 1024 * 1024,
        partConcurrency: s3.parts_in_flight,
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
  const tokens = new TokenService(keys, { issuer: 'berth', service: TOKEN_SERVICE, ttlSeconds: config.auth.token_ttl });
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
  /**
   * The listener `serve` bound before loading the app (server/door.ts): the
   * instance takes it over (`Front.takeOver`) instead of creating and binding
   * its own; the route schemas' warm-up then starts with `startBackground()`.
   */
  door?: Door;
}

/** The first instance, before the features are wired (`buildFront`). */
export interface Front {
  app: FastifyInstance;
  /** The password generated for `admin` by this start (null otherwise). */
  generatedAdminPassword: string | null;
  /**
   * Loads and wires the optional features (once; later calls return the same
   * promise): until it resolves no request may be answered but a version
   * check, so a server that listens first holds the rest (server/door.ts).
   */
  complete(): Promise<Berth>;
  /** Closes what the front opened, for a start abandoned before `complete()` resolved. */
  abandon(): Promise<void>;
  /**
   * Built with `door`: the instance answers every request from now on, the
   * held ones first, and logs and counts what the door answered.
   */
  takeOver(): Promise<void>;
}

/** The whole app, features wired; what tests and `berth` commands use. */
export async function buildApp(config: ServerConfig, log: Logger, options: BuildOptions = {}): Promise<Berth> {
  return (await buildFront(config, log, options)).complete();
}

/**
 * The listener's instance: the registry over its stores, identities and the
 * gate, every hook, the /v2 routes, tokens, probes and metrics. The features
 * (their modules included) come with `complete()` (bench/FINDINGS.md,
 * "Start-up, session 9"); `serve` builds it on the port it bound before
 * loading any of this (`door`, "Session 14").
 */
export async function buildFront(config: ServerConfig, log: Logger, options: BuildOptions = {}): Promise<Front> {
  const registry = await openRegistry(config);
  const access = openAccess(registry, log, config);
  // Berth's own pull diagnoses mark their registry requests, so a bad secret
  // being diagnosed does not lock its account out (see Gate.login).
  const probeKey = randomBytes(32).toString('base64url');
  const sessions = new SessionService(metadataPorts(registry).sessions(), { ttlSeconds: 8 * 3600 });
  const built = config.auth.enabled ? await buildGate(config, access, log, probeKey, sessions) : null;
  const gate = built?.gate ?? null;
  // With TLS the server is HTTP/2 (HTTP/1.1 by ALPN); the routes see the same request/reply API.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const door = options.door;
  const listener = door
    ? {
        ...tlsHttp2(config),
        serverFactory: (h: typeof handler) => {
          handler = h;
          return door.server;
        },
      }
    : tlsServerOptions(config);
  const app = Fastify({
    ...listener,
    logger: false,
    forceCloseConnections: 'idle',
    // Header, idle-read and request timeouts (server/http-limits.ts).
    ...listenerOptions(config.server),
    // Route schemas compile on first use (start-up time), the rest right after listening.
    schemaController: lazySchemaController(),
  } as object) as unknown as FastifyInstance;
  // After the features: the warm-up is background work, not to be paid by the requests held for them.
  const warmUpSchemas = () =>
    void whole().then(
      () => warmUp((err) => log.error({ err }, 'a route schema does not compile')),
      () => undefined,
    );
  if (!door)
    app.addHook('onListen', (done) => {
      warmUpSchemas();
      done();
    });
  watchLimits(app.server, config.server, log);
  trustProxies(app, config.server.trusted_proxies);
  const metrics = new RequestMetrics();
  const mirrors = parseMirrorMap(config.proxy.mirrors);
  if (mirrors.size > 0)
    app.addHook('onRequest', (request, _reply, done) => {
      const rewritten = mirrorUrl(request.raw.url ?? '', mirrors);
      if (rewritten) request.raw.url = rewritten;
      done();
    });
  // The features, once wired; every use below is by a request `complete()` came before.
  let parts: Features | null = null;
  const accessLine = options.accessLines ?? ((fields) => log.info(fields));
  accessLog(app, accessLine, metrics);
  installLimits(app, config.limits, metrics.registry);
  await app.register(metricsRoute, { metrics });
  countManifestTraffic(app, { push: () => parts?.traffic.push() });
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
  const baseAccess = gate ? new RegistryAccess(gate) : openOciAccess;
  // The proxy feature adds its push refusal once wired (before any push can be answered).
  const ociAccess = delegatingAccess(baseAccess);
  await app.register(ociPlugin, { registry, onUnexpected, access: ociAccess });
  await app.register(ociOtherMethods);
  await app.register(probeRoutes, { registry });
  let complete: Promise<Berth> | null = null;
  // The management API, the console and its sessions: a second instance built at their first request.
  const management = lazyInstance(
    { ...tlsHttp2(config), logger: false, schemaController: lazySchemaController() },
    async (api) => {
      await whole();
      const f = parts as unknown as Features;
      const { mountManagement } = await import('./management.ts');
      await mountManagement(api, {
        registry,
        access,
        gate,
        sessions,
        oidc: Boolean(gate && config.auth.oidc.issuer),
        onUnexpected,
        kube: f.kube,
        catalog: metadataPorts(registry).catalog(),
        traffic: f.traffic,
        scan: f.scan.service,
        labels: new LabelService(metadataPorts(registry).labels()),
        signing: f.signing,
        lifecycle: f.lifecycle,
        registries: f.registries,
        proxy: f.proxy,
        webhooks: f.webhooks,
        settings: f.settings,
        replication: f.replication,
      });
      // As at start for the first instance: a broken schema shows in the log soon, not at some later request.
      warmUp((err) => log.error({ err }, 'a route schema does not compile'));
    },
  );
  await forwardUnmatched(app, management, (err) => log.error({ err }, 'could not build the management API'));
  const wire = async (): Promise<Berth> => {
    // The schema compilers come now too: every request with a schema waits for `complete()`.
    const [{ wireFeatures }] = await Promise.all([import('./features.ts'), loadSchemaCompilers()]);
    const f = await wireFeatures({
      config,
      log,
      app,
      registry,
      access,
      gate,
      ociAccess: baseAccess,
      probeKey,
      metrics,
    });
    ociAccess.use(f.ociAccess);
    parts = f;
    let backgroundStarted = false;
    const startBackground = () => {
      if (backgroundStarted) return;
      backgroundStarted = true;
      metrics.collectDefaults();
      if (door) warmUpSchemas();
      if (config.kube.worker) f.kube.worker.start();
      f.lifecycle.start();
      f.webhooks.runner.start();
      f.replication.start();
    };
    if (!options.deferBackground) startBackground();
    return {
      app,
      registry,
      access,
      scan: f.scan.service,
      scanFeature: f.scan,
      labels: f.labels,
      kube: f.kube,
      traffic: f.traffic,
      signing: f.signing,
      generatedAdminPassword: built?.generated ?? null,
      lifecycle: f.lifecycle,
      webhooks: f.webhooks,
      registries: f.registries,
      management,
      startBackground,
      async close() {
        backgroundStarted = true; // a start still pending must not begin during or after close
        f.signing.close();
        f.scan.close();
        await app.close();
        await management.close();
        await f.lifecycle.stop();
        await f.proxy.close();
        await f.webhooks.runner.stop();
        await f.replication.stop();
        f.registries.close();
        await f.traffic.close();
        await access.close();
        await f.kube.worker.stop();
        await registry.metadata.close();
      },
    };
  };
  const whole = () => {
    complete ??= wire();
    return complete;
  };
  return {
    app,
    generatedAdminPassword: built?.generated ?? null,
    complete: whole,
    async abandon() {
      await app.close();
      await management.close();
      await access.close();
      await registry.metadata.close();
    },
    async takeOver() {
      if (!door) throw new Error('takeOver: the instance was not built on a door');
      // Fastify compiles its hooks when it boots, which `listen` does in the other case.
      await app.ready();
      if (!handler) throw new Error('takeOver: Fastify did not take the listener of the door');
      door.handOver(handler, (answer) => recordAnswer(accessLine, metrics, answer));
    },
  };
}

/** An access check whose implementation is swapped once (`use`), keeping `visible` where the base has it. */
function delegatingAccess(base: AccessControl): AccessControl & { use(next: AccessControl): void } {
  let current = base;
  const access: AccessControl & { use(next: AccessControl): void } = {
    authorize: (req, repository, actions, alsoNeeded) => current.authorize(req, repository, actions, alsoNeeded),
    use: (next) => {
      current = next;
    },
  };
  if (base.visible)
    access.visible = (req, names) => {
      // Called on its object: RegistryAccess.visible reads its gate from `this`.
      const target = current.visible ? current : base;
      return (target.visible as NonNullable<AccessControl['visible']>).call(target, req, names);
    };
  return access;
}

/** The address Berth answers on, as a scanner on this machine or network reaches it (a wildcard becomes loopback). */
export function listeningUrl(info: AddressInfo | string | null, scheme: 'http' | 'https'): string {
  if (!info || typeof info === 'string') return `${scheme}://127.0.0.1`;
  const address = info.address === '0.0.0.0' ? '127.0.0.1' : info.address === '::' ? '::1' : info.address;
  return `${scheme}://${info.family === 'IPv6' || address.includes(':') ? `[${address}]` : address}:${info.port}`;
}
