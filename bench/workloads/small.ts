/**
 * Small requests under load: GET with wrk (2 threads, 64 connections), HEAD
 * with hey (64 workers; Debian's wrk 4.1 waits for a body after HEAD).
 */
import { run } from '../lib/proc.ts';

export interface LoadFigures {
  rps: number;
  p99ms: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses outside 2xx/3xx. */
  non2xx: number;
  requests: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function wrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Parses `wrk --latency` output. */
export function parseWrk(out: string): LoadFigures {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
  return { rps, p99ms: p99 ? wrkDuration(p99[1]) : Number.NaN, errors, non2xx, requests };
}

/** Parses hey's default report. */
export function parseHey(out: string): LoadFigures {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p99 = /99% in ([\d.]+) secs/.exec(out);
  let non2xx = 0;
  let ok = 0;
  const status = /Status code distribution:\n([\s\S]*?)(?:\n\n|$)/.exec(out)?.[1] ?? '';
  for (const m of status.matchAll(/\[(\d+)\]\s+(\d+) responses/g)) {
    const code = Number(m[1]);
    if (code >= 200 && code < 400) ok += Number(m[2]);
    else non2xx += Number(m[2]);
  }
  let errors = 0;
  const errs = /Error distribution:\n([\s\S]*?)(?:\n\n|$)/.exec(out)?.[1] ?? '';
  for (const m of errs.matchAll(/\[(\d+)\]/g)) errors += Number(m[1]);
  return { rps, p99ms: p99 ? Number(p99[1]) * 1000 : Number.NaN, errors, non2xx, requests: ok + non2xx + errors };
}

/** `wrk -t2 -c64 -dNs --latency` GET of `url`. */
export async function wrkGet(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadFigures> {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const r = await run('wrk', ['-t2', '-c64', `-d${seconds}s`, '--latency', '--timeout', '5s', ...h, url]);
  const f = parseWrk(r.stdout);
  if (!Number.isFinite(f.rps)) throw new Error(`could not parse wrk output:\n${r.stdout}\n${r.stderr}`);
  return f;
}

/** `hey -c64 -zNs -m HEAD` of `url`. */
export async function heyHead(
  url: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<LoadFigures> {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const r = await run('hey', ['-c', '64', '-z', `${seconds}s`, '-m', 'HEAD', ...h, url]);
  const f = parseHey(r.stdout);
  if (!Number.isFinite(f.rps)) throw new Error(`could not parse hey output:\n${r.stdout}\n${r.stderr}`);
  return f;
}
