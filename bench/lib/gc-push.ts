/** Pushes through the registry's use cases, counted while something else (a GC run) goes on. */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { digestOf } from '../../src/core/digest.ts';
import type { Registry } from '../../src/core/registry.ts';

/** One push: a 4 KiB layer, a config and a manifest tagged `t<i>` in bench/app. */
export async function pushOne(registry: Registry, i: number): Promise<void> {
  const layer = randomBytes(4096);
  const config = Buffer.from(JSON.stringify({ i, r: randomBytes(8).toString('hex') }));
  const repo = 'bench/app';
  for (const b of [layer, config])
    await registry.uploads.monolithic(
      repo,
      digestOf(b, 'sha256'),
      (async function* () {
        yield b;
      })(),
    );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(config, 'sha256'),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer, 'sha256'), size: layer.length },
      ],
    }),
  );
  await registry.putManifest(repo, `t${i}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

export interface PushFigures {
  rate: number;
  /** Latency of one push (layer, config, manifest), p50 and p99, ms. */
  p50: number;
  p99: number;
  /** Event-loop delay p99 and max, ms. */
  lagP99: number;
  lagMax: number;
  /** CPU seconds of this process per wall second (1 = one core busy). */
  cpu: number;
}

/** Pushes per second for `seconds` (or until `until` resolves), 4 at a time. */
export async function pushRate(registry: Registry, seconds: number, until?: Promise<unknown>): Promise<PushFigures> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const latencies: number[] = [];
  let done = 0;
  let stop = false;
  until?.then(() => {
    stop = true;
  });
  const worker = async (w: number) => {
    while (!stop && performance.now() - started < seconds * 1000) {
      const t = performance.now();
      await pushOne(registry, w * 1_000_000 + done++);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  lag.disable();
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    rate: latencies.length / wall,
    p50: at(0.5),
    p99: at(0.99),
    lagP99: lag.percentile(99) / 1e6,
    lagMax: lag.max / 1e6,
    cpu: (used.user + used.system) / 1e6 / wall,
  };
}
