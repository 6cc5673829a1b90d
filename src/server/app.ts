/**
 * The only wiring: builds the adapters from configuration, hands them to the
 * core, and mounts the HTTP modules. Nothing else names a concrete adapter.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { KyselyCatalog } from '../adapters/metadata/kysely-catalog.ts';
import { SqliteStore } from '../adapters/metadata/sqlite.ts';
import { FsDriver } from '../adapters/storage/fs.ts';
import { Registry } from '../core/registry.ts';
import { TrafficRecorder } from '../features/traffic/recorder.ts';
import { apiPlugin } from '../http/api/plugin.ts';
import { ociPlugin } from '../http/oci/plugin.ts';
import { countManifestTraffic } from '../http/oci/traffic-hook.ts';
import { webPlugin } from '../http/web/plugin.ts';
import { databaseFile, type ServerConfig, storageDir } from './config.ts';

export interface Berth {
  app: FastifyInstance;
  registry: Registry;
  close(): Promise<void>;
}

export async function openRegistry(config: ServerConfig): Promise<Registry> {
  const metadata = await SqliteStore.open(databaseFile(config));
  return new Registry({ storage: new FsDriver(storageDir(config)), metadata });
}

export async function buildApp(config: ServerConfig, log: Logger): Promise<Berth> {
  const metadata = await SqliteStore.open(databaseFile(config));
  const registry = new Registry({ storage: new FsDriver(storageDir(config)), metadata });
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
  accessLog(app, log);
  countManifestTraffic(app, traffic);
  const onUnexpected = (err: unknown) => log.error({ err }, 'unexpected error');
  await app.register(ociPlugin, { registry, onUnexpected });
  await app.register(apiPlugin, { prefix: '/api/v2.0', registry, onUnexpected, catalog, traffic });
  await webPlugin(app, { root: config.consoleDir });
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
