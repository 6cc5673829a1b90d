/**
 * A network link of limited bandwidth between this machine and a server: the
 * server runs in its own network namespace, joined to the host by a veth pair
 * whose namespace end sends through a token bucket (`tc qdisc … tbf`). What a
 * registry far away looks like to a proxy cache (Docker Hub, a registry in
 * another region), where the loopback upstream of the rest of the bench costs
 * only CPU. Needs root, iproute2 and the kernel's tbf scheduler; `openLink`
 * says why not when one is missing, so the bench can skip the figure.
 */
import { execFileSync } from 'node:child_process';

export interface ShapedLink {
  /** The server's address inside the namespace. */
  address: string;
  /** What the link carries from the server to this machine, in Mbit/s. */
  rateMbit: number;
  /** `cmd args…` run inside the namespace: the command and arguments to spawn. */
  inside(cmd: string, args: string[]): { cmd: string; args: string[] };
  close(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A namespace with one address, reached at `rateMbit` (server → here; the other way is not limited). */
export function openLink(rateMbit: number): ShapedLink | string {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  // Names of at most 15 characters, one set per process: two benches never share a link.
  const tag = String(process.pid % 100000);
  const ns = `berthlink${tag}`;
  const hostEnd = `blh${tag}`;
  const nsEnd = `bln${tag}`;
  const subnet = `10.213.${process.pid % 250}`;
  const inNs = (...args: string[]) => ip('netns', 'exec', ns, ...args);
  const close = () => {
    process.off('exit', close);
    try {
      ip('netns', 'del', ns);
    } catch {}
    try {
      ip('link', 'del', hostEnd);
    } catch {}
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd);
    ip('link', 'set', nsEnd, 'netns', ns);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', hostEnd);
    ip('link', 'set', hostEnd, 'up');
    inNs('ip', 'addr', 'add', `${subnet}.2/24`, 'dev', nsEnd);
    inNs('ip', 'link', 'set', nsEnd, 'up');
    inNs('ip', 'link', 'set', 'lo', 'up');
    // A bucket of 256 KiB: bursts no longer than a real link's queue lets through.
    const bucket = ['rate', `${rateMbit}mbit`, 'burst', '256kb', 'latency', '50ms'];
    inNs('tc', 'qdisc', 'add', 'dev', nsEnd, 'root', 'tbf', ...bucket);
  } catch (err) {
    close();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `could not make a shaped link: ${stderr || (err as Error).message}`;
  }
  // Also when the bench fails outside the caller's `finally` (an exit from elsewhere).
  process.once('exit', close);
  return {
    address: `${subnet}.2`,
    rateMbit,
    inside: (cmd, args) => ({ cmd: 'ip', args: ['netns', 'exec', ns, cmd, ...args] }),
    close,
  };
}
