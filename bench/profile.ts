/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) of Berth taken during the
 * benchmark (BENCH_PROFILE=1): self time by function and by module, and
 * inclusive time by function.
 *
 *   node --import tsx bench/profile.ts FILE.cpuprofile… [--top N] [--match TEXT] [--phases NAME,NAME…]
 *
 * --phases: for each profile, when the named functions were on the stack (first to last sample, ms since
 * the profile began): a start's timeline (bench/FINDINGS.md, "Start-up, session 11").
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function moduleOf(url: string): string {
  if (!url) return '(native/VM)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  const own = /\/(dist|src|bench)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

function label(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  return `${name} ${moduleOf(f.url)}:${f.lineNumber + 1}`;
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 25;
  let match: string | undefined;
  let phases: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--match') match = args[++i];
    else if (args[i] === '--phases') phases = args[++i].split(',');
    else files.push(args[i]);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const timelines: string[] = [];
  for (const file of files) {
    const spans = new Map<string, [number, number]>();
    let at = 0;
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (let i = 0; i < p.samples.length; i++) {
      const dt = (p.timeDeltas[i] ?? 0) / 1000; // ms
      at += dt;
      const node = byId.get(p.samples[i]);
      if (!node) continue;
      const name = node.callFrame.functionName;
      if (name === '(idle)') {
        idle += dt;
        continue;
      }
      total += dt;
      const l = label(node.callFrame);
      self.set(l, (self.get(l) ?? 0) + dt);
      const m =
        name === '(garbage collector)'
          ? '(garbage collector)'
          : name === '(program)'
            ? '(program)'
            : moduleOf(node.callFrame.url);
      byModule.set(m, (byModule.get(m) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const n = byId.get(id);
        if (!n) break;
        const fn = n.callFrame.functionName;
        if (phases.includes(fn)) spans.set(fn, [spans.get(fn)?.[0] ?? at, at]);
        const ll = label(n.callFrame);
        if (seen.has(ll)) continue;
        seen.add(ll);
        incl.set(ll, (incl.get(ll) ?? 0) + dt);
      }
    }
    const found = phases.filter((f) => spans.has(f)).map((f) => [f, ...(spans.get(f) as [number, number])] as const);
    if (phases.length) timelines.push(found.map(([f, a, b]) => `${f} ${a.toFixed(0)}-${b.toFixed(0)}`).join(' | '));
  }
  const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
  const print = (title: string, m: Map<string, number>, filter?: (k: string) => boolean) => {
    console.log(`\n${title}`);
    const rows = [...m.entries()]
      .filter(([k]) => !filter || filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
    for (const [k, v] of rows) console.log(`${pct(v)} ${v.toFixed(0).padStart(8)} ms  ${k}`);
  };
  console.log(`busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms (${files.length} profile(s))`);
  print('self time by module', byModule);
  print('self time by function', self);
  print('inclusive time by function', incl, match ? (k) => k.includes(match) : (k) => !k.startsWith('(root)'));
  if (phases.length) console.log(`\nphases (ms since each profile began)\n${timelines.join('\n')}`);
}

main();
