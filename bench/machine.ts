/** A description of the machine and the software under test, for RESULTS.md. */

import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { run } from './lib/proc.ts';

async function firstLine(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { check: false }).catch(() => null);
  if (!r) return 'not found';
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0];
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1];
  } catch {
    // fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

function cpuFlags(): string {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(' ') ?? [];
    return ['sha_ni', 'avx2', 'avx512f'].filter((f) => flags.includes(f)).join(', ') || 'none of sha_ni/avx2/avx512f';
  } catch {
    return '?';
  }
}

export async function describeMachine(repoRoot: string): Promise<Record<string, string>> {
  const nproc = await firstLine('nproc', []);
  const commit = await firstLine('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']);
  const dirty = (
    await run('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src', 'bin'], { check: false })
  ).stdout.trim();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: `${nproc} × ${cpuModel()} (${cpuFlags()})`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: await firstLine('uname', ['-sr']),
    os: (/^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '?').trim(),
    node: process.version,
    'load average at start': load,
    berth: `${commit}${dirty ? ' (with uncommitted changes in src/ or bin/)' : ''}`,
    distribution: await firstLine('docker-registry', ['--version']),
    nginx: await firstLine('nginx', ['-v']),
    curl: await firstLine('curl', ['--version']),
    wrk: (await firstLine('wrk', ['-v'])).replace(/ Copyright.*/, ''),
    skopeo: await firstLine('skopeo', ['--version']),
    openssl: await firstLine('openssl', ['version']),
  };
}
