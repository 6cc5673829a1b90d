/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { KyselyCatalog } from '../adapters/metadata/kysely-catalog.ts';
import type { KyselyStore } from '../adapters/metadata/kysely-store.ts';
import { PostgresStore } from '../adapters/metadata/postgres.ts';
import { SqliteStore } from '../adapters/metadata/sqlite.ts';
import { FsDriver } from '../adapters/storage/fs.ts';
import type { StorageDriver } from '../core/ports.ts';
import { Registry } from '../core/registry.ts';
import { TrafficRecorder } from '../features/traffic/recorder.ts';
import { apiPlugin } from '../http/api/plugin.ts';
import { metricsRoute, RequestMetrics } from '../http/metrics.ts';
import { parseOciPath } from '../http/oci/paths.ts';
import { ociPlugin } from '../http/oci/plugin.ts';
import { countManifestTraffic } from '../http/oci/traffic-hook.ts';
import { webPlugin } from '../http/web/plugin.ts';
import { ConfigError, databaseFile, type ServerConfig, storageDir } from './config.ts';

export interface Berth {
  app: FastifyInstance;
  registry: Registry;
  close(): Promise<void>;
}

async function openMetadata(config: ServerConfig): Promise<KyselyStore> {
  const { database } = config;
  if (database.driver === 'postgres') {
    return PostgresStore.open({ url: database.postgres.url as string, poolSize: database.postgres.pool_size });
  }
  return SqliteStore.open(databaseFile(config));
}

function openStorage(config: ServerConfig): StorageDriver {
  if (config.storage.driver === 's3') throw new ConfigError('storage.driver', 'the s3 driver is not available yet');
  return new FsDriver(storageDir(config));
}

export async function openRegistry(config: ServerConfig): Promise<Registry> {
  const storage = openStorage(config);
  const metadata = await openMetadata(config);
  return new Registry({ storage, metadata });
}

export async function buildApp(config: ServerConfig, log: Logger): Promise<Berth> {
  const metadata = await openMetadata(config);
  const registry = new Registry({ storage: openStorage(config), metadata });
  const catalog = new KyselyCatalog(metadata.db);
  const traffic = new TrafficRecorder({
    store: catalog,
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
  await app.register(metricsRoute, { metrics });
  countManifestTraffic(app, traffic);
  const onUnexpected = (err: unknown) => log.error({ err }, 'unexpected error');
  await app.register(ociPlugin, { registry, onUnexpected });
  await app.register(apiPlugin, { prefix: '/api/v2.0', registry, onUnexpected, catalog, traffic });
  await webPlugin(app, {});
  return {
    app,
    registry,
    async close() {
      await app.close();
      await traffic.close();
      await registry.metadata.close();
    },
  };
}

/** One JSON line per request (method, path, status, bytes, duration), and the request metrics. */
function accessLog(app: FastifyInstance, log: Logger, metrics: RequestMetrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    const socket = request.raw.socket;
    const writtenBefore = socket.bytesWritten;
    res.once('close', () => {
      const url = request.raw.url ?? '';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const method = request.raw.method ?? '';
      // Bytes sent on the connection for this response (headers included); one request at a time per socket.
      const bytes = socket.bytesWritten - writtenBefore;
      const ms = performance.now() - started;
      metrics.record(method, routeOf(path), res.statusCode, bytes, ms / 1000);
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
function routeOf(path: string): string {
  if (path.startsWith('/v2/')) return `v2:${parseOciPath(path.slice(4))?.kind ?? 'unknown'}`;
  if (path.startsWith('/api/')) return 'api';
  if (path === '/metrics') return 'metrics';
  return 'other';
}
