/**
 * `npm run bench`, replication section: Berth's replication against
 * `skopeo copy` between the same two registries, a source Berth (server
 * process, auth off) and CNCF Distribution targets. Each round starts two
 * fresh targets (one per copier, so neither finds the other's blobs), copies
 * one image of LAYERS random layers of LAYER_MIB each with both, in
 * alternating order, then copies it again (everything present). Medians over
 * ROUNDS rounds; the ratio is skopeo's time / Berth's time (goal ≥ 1×).
 * Writes its section into bench/RESULTS.md (replacing an earlier one).
 * Run alone: node --import tsx bench/replication.ts
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { type RegistryServer, startServer } from '../test/support/berth.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../test/support/oci.ts';

const run = promisify(execFile);
const LAYERS = Number(process.env.LAYERS ?? 4);
const LAYER_MIB = Number(process.env.LAYER_MIB ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MiB = 1024 * 1024;
const RESULTS = new URL('./RESULTS.md', import.meta.url);
const BEGIN = '<!-- replication section: bench/replication.ts -->';
const END = '<!-- end of replication section -->';

const seconds = (since: number) => (performance.now() - since) / 1000;

/** CPU seconds (user + system) used so far by `pid` and its descendants, from /proc (100 ticks a second). */
function treeCpu(pid: number | undefined): number {
  if (!pid) return 0;
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop() as number;
    ticks += procs.get(p)?.ticks ?? 0;
    for (const [child, info] of procs) if (info.ppid === p) todo.push(child);
  }
  return ticks / 100;
}
interface Sample {
  /** Wall-clock seconds. */
  s: number;
  /** CPU seconds of every process involved: source, target, and skopeo itself. */
  cpu: number;
}
interface Pair {
  berth: Sample;
  skopeo: Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The source's API, auth off. */
function apiOf(source: RegistryServer) {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${source.url}/api/v2.0${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const idOf = (res: Response) => Number(res.headers.get('location')?.split('/').pop());
  return { api, idOf };
}

async function main(): Promise<void> {
  const source = await startServer({ kind: 'berth', env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' } });
  const { api, idOf } = apiOf(source);
  const total = LAYERS * LAYER_MIB;
  const first: Pair[] = [];
  const again: Pair[] = [];
  try {
    const oci = new RegistryClient(source.url);
    const config = configBlob();
    const layers = Array.from({ length: LAYERS }, () => randomBlob(LAYER_MIB * MiB));
    await oci.pushBlobs('bench/img', config, ...layers);
    const manifest = imageManifest({
      config: descriptor(config, OCI_CONFIG),
      layers: layers.map((l) => descriptor(l, OCI_LAYER_GZIP)),
    });
    await oci.pushManifest('bench/img', '1', manifest);

    for (let round = 0; round < ROUNDS; round++) {
      const [forBerth, forSkopeo] = await Promise.all([
        startServer({ kind: 'distribution' }),
        startServer({ kind: 'distribution' }),
      ]);
      try {
        const registry = idOf(
          await api('POST', '/registries', { name: `target-${round}`, type: 'docker-registry', url: forBerth.url }),
        );
        const policy = idOf(
          await api('POST', '/replication/policies', {
            name: `bench-${round}`,
            dest_registry: { id: registry },
            filters: [{ type: 'name', value: 'bench/**' }],
            trigger: { type: 'manual' },
          }),
        );
        const cpuOf = (target: RegistryServer) => treeCpu(source.pid) + treeCpu(target.pid);
        const berthCopy = async (): Promise<Sample> => {
          const started = performance.now();
          const cpu0 = cpuOf(forBerth);
          const execution = idOf(await api('POST', '/replication/executions', { policy_id: policy }));
          for (;;) {
            const e = (await (await api('GET', `/replication/executions/${execution}`)).json()) as { status: string };
            if (e.status !== 'InProgress') {
              if (e.status !== 'Succeed') throw new Error(`replication ended ${e.status}`);
              return { s: seconds(started), cpu: cpuOf(forBerth) - cpu0 };
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        const skopeoCopy = async (): Promise<Sample> => {
          const started = performance.now();
          const cpu0 = cpuOf(forSkopeo);
          const { stderr } = await run('/usr/bin/time', [
            '-f',
            '%U %S',
            'skopeo',
            'copy',
            '--quiet',
            '--src-tls-verify=false',
            '--dest-tls-verify=false',
            `docker://${source.host}/bench/img:1`,
            `docker://${forSkopeo.host}/bench/img:1`,
          ]);
          const s = seconds(started);
          const [user, sys] = stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [0, 0];
          return { s, cpu: cpuOf(forSkopeo) - cpu0 + user + sys };
        };
        // Alternate who goes first so neither always gets the quieter moment.
        const pair = async () => {
          if (round % 2 === 0) {
            const berth = await berthCopy();
            return { berth, skopeo: await skopeoCopy() };
          }
          const skopeo = await skopeoCopy();
          return { berth: await berthCopy(), skopeo };
        };
        first.push(await pair());
        again.push(await pair());
        process.stderr.write(
          `[replication bench] round ${round + 1}: first ${first.at(-1)?.berth.s.toFixed(2)} s vs ${first.at(-1)?.skopeo.s.toFixed(2)} s\n`,
        );
        await api('DELETE', `/replication/policies/${policy}`);
      } finally {
        await Promise.all([forBerth.cleanup(), forSkopeo.cleanup()]);
      }
    }
  } finally {
    await source.cleanup();
  }
  const out = section(total, first, again);
  process.stdout.write(`${out}\n`);
  if (!process.env.LAYERS && !process.env.LAYER_MIB) writeSection(out);
}

function section(total: number, first: Pair[], again: Pair[]): string {
  const row = (name: string, xs: Pair[], goal: boolean) => {
    const b = median(xs.map((x) => x.berth.s));
    const s = median(xs.map((x) => x.skopeo.s));
    const cpu = (side: 'berth' | 'skopeo') => median(xs.map((x) => x[side].cpu)).toFixed(2);
    const ratios = xs.map((x) => x.skopeo.s / x.berth.s);
    const ratio = median(ratios);
    const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`;
    const met = goal ? (ratio >= 1 ? 'met' : '**not met**') : '';
    const rate = (t: number) => (goal ? ` (${(total / t).toFixed(0)} MiB/s)` : '');
    return `| ${name} | ${b.toFixed(2)}${rate(b)} | ${s.toFixed(2)}${rate(s)} | ${ratio.toFixed(2)}× | ${range} | ${goal ? '≥ 1×' : ''} | ${met} | ${cpu('berth')} | ${cpu('skopeo')} |`;
  };
  return [
    BEGIN,
    '## Replication (bench/replication.ts)',
    '',
    `Run ${new Date().toISOString().slice(0, 16)}Z, load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}. Image of ${LAYERS} random layers × ${LAYER_MIB} MiB = ${total} MiB, copied from a source Berth (auth off) to a fresh CNCF Distribution per copier and round, loopback; medians of ${first.length} round(s), the two copiers alternating who goes first. Berth: a manual execution of a push-based policy, POST to status Succeed (polled every 20 ms). skopeo: \`skopeo copy docker://SOURCE/bench/img:1 docker://TARGET/bench/img:1\` (its default parallel layer copies). Ratio = skopeo time / Berth time (higher is better for Berth); "pair ratios" is the range over rounds. CPU s: user + system seconds of every process in the copy (source Berth, which also runs Berth's replication, the target, and skopeo itself), steadier than wall time on a loaded machine.`,
    '',
    '| copy | Berth replication, s | skopeo copy, s | ratio | pair ratios | goal | met | Berth CPU s | skopeo CPU s |',
    '|---|---:|---:|---:|---|---|---|---:|---:|',
    row('first copy (all blobs missing at the target)', first, true),
    row('second copy (everything present)', again, false),
    END,
  ].join('\n');
}

/** Replaces the replication section of RESULTS.md, or appends one (bench/run.ts rewrites the file first). */
function writeSection(out: string): void {
  const doc = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Berth benchmark results\n';
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${doc.slice(0, start)}${out}${doc.slice(end + END.length)}`
      : `${doc.trimEnd()}\n\n${out}\n`;
  writeFileSync(RESULTS, next);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
