/**
 * Serving limits (config `limits.*`): how many connections the server holds,
 * how fast one client may send requests, and how many blob uploads may send
 * bodies at once. Refusals answer 429 with the OCI `TOOMANYREQUESTS` error and
 * `Retry-After`; every limit and refusal is a Prometheus metric.
 */
import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ociRouteOf } from '../http/oci/paths.ts';
import type { ServerConfig } from './config.ts';

export type LimitsConfig = ServerConfig['limits'];

/** A token bucket per client address: `rate` tokens a second, at most `burst` saved up. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when the request may go; else the seconds until it could (for Retry-After). */
  take(client: string): number {
    const now = this.now();
    if (now - this.sweptAt > 60_000) this.sweep(now);
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }

  /** Forgets clients whose bucket is full again, so the map holds only recent senders. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [client, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(client);
  }
}

const tooMany = (message: string, _retryAfter: number, detail: object) =>
  JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message, detail }] });

/** Request methods that send an upload's bytes: POST (monolithic or start), PATCH (chunk), PUT (last chunk). */
const UPLOAD_METHODS = new Set(['POST', 'PATCH', 'PUT']);

export function installLimits(app: FastifyInstance, limits: LimitsConfig, metrics: Registry): void {
  const server = app.server as unknown as Server;
  if (limits.max_connections > 0) server.maxConnections = limits.max_connections;
  const refused = new Counter({
    name: 'berth_limit_refusals_total',
    help: 'Requests and connections refused by a serving limit.',
    labelNames: ['limit'],
    registers: [metrics],
  });
  for (const limit of ['max_connections', 'rate', 'max_concurrent_uploads']) refused.inc({ limit }, 0);
  server.on('drop', () => refused.inc({ limit: 'max_connections' }));
  new Gauge({
    name: 'berth_connections_open',
    help: 'Connections the server holds now.',
    registers: [metrics],
    collect() {
      return new Promise<void>((done) =>
        server.getConnections((err, count) => {
          if (!err) this.set(count);
          done();
        }),
      );
    },
  });
  const uploads = new Gauge({
    name: 'berth_uploads_in_flight',
    help: 'Blob upload requests sending their bodies now.',
    registers: [metrics],
  });
  const setting = new Gauge({
    name: 'berth_limit',
    help: 'Configured serving limits (0: no limit).',
    labelNames: ['limit'],
    registers: [metrics],
  });
  setting.set({ limit: 'max_connections' }, limits.max_connections);
  setting.set({ limit: 'requests_per_second' }, limits.requests_per_second);
  setting.set({ limit: 'request_burst' }, limits.request_burst);
  setting.set({ limit: 'max_concurrent_uploads' }, limits.max_concurrent_uploads);

  const rate =
    limits.requests_per_second > 0
      ? new RateLimiter(limits.requests_per_second, Math.max(1, limits.request_burst || limits.requests_per_second))
      : null;
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    if (rate) {
      const wait = rate.take(request.ip);
      if (wait > 0) {
        refused.inc({ limit: 'rate' });
        reply
          .code(429)
          .header('retry-after', String(wait))
          .header('content-type', 'application/json')
          .send(tooMany('too many requests from this client', wait, { retryAfter: wait }));
        return;
      }
    }
    const kind = ociRouteOf(request.raw)?.kind;
    if ((kind === 'uploads' || kind === 'upload') && UPLOAD_METHODS.has(request.method)) {
      if (limits.max_concurrent_uploads > 0 && inFlight >= limits.max_concurrent_uploads) {
        refused.inc({ limit: 'max_concurrent_uploads' });
        reply
          .code(429)
          .header('retry-after', '1')
          .header('content-type', 'application/json')
          .send(tooMany('too many uploads in progress; retry shortly', 1, { retryAfter: 1 }));
        return;
      }
      inFlight++;
      uploads.set(inFlight);
      reply.raw.once('close', () => {
        inFlight--;
        uploads.set(inFlight);
      });
    }
    done();
  });
}
