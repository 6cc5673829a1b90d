/**
 * The floor of any Node relay on this machine: a direct pull of a fresh
 * PROBE_MIB blob (default 24) from CNCF Distribution against the same pull
 * through a bare Node HTTP relay (`pipe`, nothing else) and through the same
 * relay that also hashes each chunk (node:crypto, inline). Alternating,
 * PROBE_PULLS times; prints the median times. The relay runs in its own
 * process, as Berth does (bench/lib/relay-server.mjs; bench/proxy.ts reports
 * the same relay for whole pulls).
 *
 *   node --import tsx bench/probes/relay-floor.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drainBody, pushBlob } from '../lib/net.ts';
import { startRelay } from '../lib/relay.ts';
import { startDistribution } from '../servers.ts';

const MIB = Number(process.env.PROBE_MIB ?? 24);
const PULLS = Number(process.env.PROBE_PULLS ?? 8);

const work = mkdtempSync(path.join(tmpdir(), 'berth-relay-'));
const upstream = await startDistribution({
  dataDir: path.join(work, 'dist'),
  workDir: path.join(work, 'dist-work'),
  logFile: path.join(work, 'dist.log'),
});
const relay = await startRelay(upstream.url);
/** Milliseconds to read `url`'s body to its end. */
const timed = async (url: string) => {
  const t0 = performance.now();
  await drainBody(url);
  return performance.now() - t0;
};
const t = { direct: [] as number[], pipe: [] as number[], hash: [] as number[] };
try {
  for (let i = 0; i < PULLS; i++) {
    const digest = await pushBlob(upstream.url, 'p/img', randomBytes(MIB * 1024 * 1024));
    const p = `/v2/p/img/blobs/${digest}`;
    await drainBody(`${upstream.url}${p}`);
    for (const k of (i % 2 ? ['hash', 'pipe', 'direct'] : ['direct', 'pipe', 'hash']) as (keyof typeof t)[])
      t[k].push(await timed(k === 'direct' ? `${upstream.url}${p}` : `${relay[k]}${p}`));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const d = med(t.direct);
  console.log(
    `${MIB} MiB, ${PULLS} pulls: direct ${d.toFixed(0)} ms, bare relay ${med(t.pipe).toFixed(0)} ms (${(med(t.pipe) / d).toFixed(2)}x), relay + sha256 ${med(t.hash).toFixed(0)} ms (${(med(t.hash) / d).toFixed(2)}x); load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  await relay.stop();
  await upstream.stop();
  rmSync(work, { recursive: true, force: true });
}
