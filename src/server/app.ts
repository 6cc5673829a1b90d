/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadOrCreateSigningKeys } from '../adapters/keys/file-keys.ts';
import { LdapDirectory } from '../adapters/ldap/ldap-directory.ts';
import { KyselyAccessStore } from '../adapters/metadata/access-store.ts';
import { KyselyStore } from '../adapters/metadata/kysely-store.ts';
import { SqliteStore } from '../adapters/metadata/sqlite.ts';
import { OpenIdProvider } from '../adapters/oidc/openid-provider.ts';
import { FsDriver } from '../adapters/storage/fs.ts';
import { ensureAdmin } from '../core/access/bootstrap.ts';
import { LoginLimiter } from '../core/access/limiter.ts';
import { AccessService } from '../core/access/service.ts';
import { Registry } from '../core/registry.ts';
import { registryAudit } from '../http/access/audit-hook.ts';
import { Gate } from '../http/access/gate.ts';
import { RegistryAccess } from '../http/access/registry-access.ts';
import { apiPlugin } from '../http/api/plugin.ts';
import { ociPlugin } from '../http/oci/plugin.ts';
import { oidcRoutes } from '../http/oidc/routes.ts';
import { tokenRoutes } from '../http/token/routes.ts';
import { TokenService } from '../http/token/tokens.ts';
import { databaseFile, type ServerConfig, storageDir, tokenKeyFile } from './config.ts';

export interface Berth {
  app: FastifyInstance;
  registry: Registry;
  access: AccessService;
  close(): Promise<void>;
}

export async function openRegistry(config: ServerConfig): Promise<Registry> {
  const metadata = await SqliteStore.open(databaseFile(config));
  return new Registry({ storage: new FsDriver(storageDir(config)), metadata });
}

/** Identities live in the metadata database (SQLite or PostgreSQL, through Kysely). */
export function openAccess(registry: Registry, log?: Logger, config?: ServerConfig): AccessService {
  if (!(registry.metadata instanceof KyselyStore)) throw new Error('the metadata store does not hold identities');
  return new AccessService(KyselyAccessStore.over(registry.metadata.db), {
    directory: config?.ldap ? new LdapDirectory(config.ldap) : undefined,
    onError: (err) => log?.error({ err }, 'identity store or directory failed'),
  });
}

async function buildGate(config: ServerConfig, access: AccessService, log: Logger): Promise<Gate> {
  const { generated } = await ensureAdmin(access.store, config.adminPassword);
  if (generated) {
    log.warn(
      { username: 'admin', password: generated },
      'created the admin account: note this password, it is shown once',
    );
    log.flush?.();
  }
  const keys = await loadOrCreateSigningKeys(tokenKeyFile(config));
  const tokens = new TokenService(keys, { issuer: 'berth', service: 'berth', ttlSeconds: config.tokenTtl ?? 300 });
  const limiter = new LoginLimiter({ maxFailures: config.loginMaxFailures ?? 10, windowMs: 5 * 60_000 });
  return new Gate(access, tokens, limiter, { realm: config.tokenRealm });
}

export async function buildApp(config: ServerConfig, log: Logger): Promise<Berth> {
  const registry = await openRegistry(config);
  const access = openAccess(registry, log, config);
  const gate = config.auth === true ? await buildGate(config, access, log) : null;
  const app = Fastify({
    logger: false,
    forceCloseConnections: 'idle',
    // Large uploads may take long; a stalled client is still cut off by the socket timeout.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
  });
  accessLog(app, log);
  const onUnexpected = (err: unknown) => log.error({ err }, 'unexpected error');
  if (gate) {
    registryAudit(app, gate);
    await app.register(tokenRoutes, { gate });
    if (config.oidc)
      await app.register(oidcRoutes, {
        gate,
        provider: new OpenIdProvider(config.oidc),
        redirectUri: config.oidc.redirectUri,
      });
  }
  await app.register(ociPlugin, { registry, onUnexpected, access: gate ? new RegistryAccess(gate) : undefined });
  await app.register(apiPlugin, { prefix: '/api/v2.0', registry, onUnexpected, access, gate });
  return {
    app,
    registry,
    access,
    async close() {
      await app.close();
      await registry.metadata.close();
    },
  };
}

/** One JSON line per request: method, path, status, bytes, duration. */
function accessLog(app: FastifyInstance, log: Logger): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    res.once('close', () => {
      const url = request.raw.url ?? '';
      const q = url.indexOf('?');
      log.info({
        method: request.raw.method,
        path: q === -1 ? url : url.slice(0, q),
        status: res.statusCode,
        bytes: Number(res.getHeader('content-length') ?? 0),
        ms: Math.round((performance.now() - started) * 100) / 100,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    done();
  });
}
