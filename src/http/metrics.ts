/**
 * Prometheus metrics at /metrics: prom-client's process metrics plus request
 * counts, bytes and a duration histogram by method and route. A request only
 * bumps numbers in a plain map; the text is rendered when scraped, so the hot
 * path pays no label hashing.
 */

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Type } from 'typebox';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Series {
  method: string;
  route: string;
  status: number;
  count: number;
  bytes: number;
  seconds: number;
  /** Requests per bucket (not cumulative); the last slot is +Inf. */
  buckets: number[];
}

const label = (value: string | number) => String(value).replace(/["\\\n]/g, '_');

export class RequestMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, Series>();
  /** Features' own metrics (e.g. scans), rendered after the request metrics. */
  private readonly sources: (() => string)[] = [];

  private defaults = false;

  /**
   * Process metrics (CPU, memory, event-loop delay, GC): started with the
   * background runners once listening, or at the first scrape if that comes
   * first; their set-up is ~2% of a start (bench/FINDINGS.md).
   */
  collectDefaults(): void {
    if (this.defaults) return;
    this.defaults = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
  }

  record(method: string, route: string, status: number, bytes: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = { method, route, status, count: 0, bytes: 0, seconds: 0, buckets: new Array(BUCKETS.length + 1).fill(0) };
      this.series.set(key, s);
    }
    s.count++;
    s.bytes += bytes;
    s.seconds += seconds;
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
    s.buckets[i]++;
  }

  /** Adds a feature's metrics, in Prometheus text (HELP/TYPE lines included). */
  addSource(render: () => string): void {
    this.sources.push(render);
  }

  async render(): Promise<string> {
    this.collectDefaults();
    const lines: string[] = [];
    const all = [...this.series.values()];
    lines.push('# HELP berth_http_requests_total HTTP requests served.', '# TYPE berth_http_requests_total counter');
    for (const s of all) {
      lines.push(
        `berth_http_requests_total{method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"} ${s.count}`,
      );
    }
    lines.push(
      '# HELP berth_http_response_bytes_total Bytes of response bodies.',
      '# TYPE berth_http_response_bytes_total counter',
    );
    for (const s of all) {
      lines.push(
        `berth_http_response_bytes_total{method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"} ${s.bytes}`,
      );
    }
    lines.push(
      '# HELP berth_http_request_duration_seconds Time from request to the end of the response.',
      '# TYPE berth_http_request_duration_seconds histogram',
    );
    const byRoute = new Map<string, Series>();
    for (const s of all) {
      const key = `${s.method} ${s.route}`;
      const m = byRoute.get(key) ?? {
        ...s,
        count: 0,
        bytes: 0,
        seconds: 0,
        buckets: new Array(BUCKETS.length + 1).fill(0),
      };
      m.count += s.count;
      m.seconds += s.seconds;
      s.buckets.forEach((n, i) => {
        m.buckets[i] += n;
      });
      byRoute.set(key, m);
    }
    for (const m of byRoute.values()) {
      const labels = `method="${label(m.method)}",route="${label(m.route)}"`;
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += m.buckets[i];
        lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      });
      lines.push(`berth_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${m.count}`);
      lines.push(`berth_http_request_duration_seconds_sum{${labels}} ${m.seconds}`);
      lines.push(`berth_http_request_duration_seconds_count{${labels}} ${m.count}`);
    }
    for (const source of this.sources) lines.push(source().trimEnd());
    return `${await this.registry.metrics()}\n${lines.join('\n')}\n`;
  }
}

export async function metricsRoute(app: FastifyInstance, options: { metrics: RequestMetrics }): Promise<void> {
  // No input; the answer is Prometheus' text exposition format.
  app.get('/metrics', { schema: { response: { 200: Type.String() } } }, async (_request, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return options.metrics.render();
  });
}
