/**
 * The floor of any Node relay on this machine (relay-server.mjs): a first
 * pull through a proxy cannot be faster than the same bytes through a bare
 * relay that only passes (and hashes) them. bench/proxy.ts reports it beside
 * the direct pull; bench/probes/relay-floor.ts times single blobs.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { threadCpuSeconds } from './memory.ts';

export interface Relay {
  /** Base URL that pipes: `${pipe}/v2/…` is the upstream's `/v2/…`. */
  pipe: string;
  /** Base URL that pipes and hashes each body. */
  hash: string;
  /** Its CPU seconds to the nanosecond (lib/memory.ts threadCpuSeconds). */
  threadCpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startRelay(upstreamUrl: string): Promise<Relay> {
  const child = fork(path.join(path.dirname(new URL(import.meta.url).pathname), 'relay-server.mjs'), [], {
    env: { ...process.env, RELAY_UPSTREAM: upstreamUrl },
    execArgv: [],
  });
  const [port] = (await once(child, 'message')) as [number];
  const base = `http://127.0.0.1:${port}`;
  return {
    pipe: `${base}/pipe`,
    hash: `${base}/hash`,
    threadCpuSeconds: () => threadCpuSeconds(child.pid as number),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill();
      await once(child, 'exit');
    },
  };
}
