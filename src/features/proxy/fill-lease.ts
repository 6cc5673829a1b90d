/**
 * Single flight across nodes: the nodes sharing one database take a lease
 * (src/features/proxy/store.ts, FillLeases) before fetching a blob from an
 * upstream. The holder fetches and renews the lease while it does; another
 * node asking for the same blob waits until it is stored and serves it from
 * the shared storage, fetching it itself only if the holder's lease lapses
 * (the holder died) or ends with nothing stored (its fetch failed).
 * Within a node, BlobFlights already joins concurrent requests into one
 * fetch, so one waiter per node polls.
 * A holder on this host whose process is gone (a Berth killed mid-fetch and
 * restarted) is not waited out: its lease is ended at once.
 */
import { hostname } from 'node:os';
import type { FillLeases } from './store.ts';

/** Thrown by a fetch when another node stored the blob meanwhile: serve it from storage. */
export class StoredElsewhere extends Error {
  constructor(readonly size: number) {
    super('stored by another node');
  }
}

export interface FillLeaseOptions {
  leases: FillLeases;
  /** This node's name in the lease: `fillOwner()`, host:pid:random. */
  owner: string;
  /** Lease length; renewed every third of it (default 30 s). */
  ttlMs?: number;
  /** First wait between two looks at another node's fill (default 100 ms, growing to 1 s). */
  pollMs?: number;
  now?: () => number;
}

export interface HeldLease {
  release(): Promise<void>;
}

export class FillLeaseCoordinator {
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(private readonly o: FillLeaseOptions) {
    this.ttl = o.ttlMs ?? 30_000;
    this.now = o.now ?? Date.now;
  }

  /**
   * Returns once this node holds the lease on `digest` (release it when the
   * fetch is stored or failed), or throws StoredElsewhere once another
   * node's fill is stored (`storedSize` answers the blob's stored size, or null).
   */
  async acquire(digest: string, storedSize: () => Promise<number | null>): Promise<HeldLease> {
    let wait = this.o.pollMs ?? 100;
    for (;;) {
      const at = this.now();
      const holder = await this.o.leases.claimFill(
        digest,
        this.o.owner,
        new Date(at).toISOString(),
        new Date(at + this.ttl).toISOString(),
      );
      const size = await storedSize();
      if (holder === this.o.owner) {
        const lease = this.hold(digest);
        // Stored by a node that finished just before this claim: nothing to fetch.
        if (size !== null) {
          await lease.release();
          throw new StoredElsewhere(size);
        }
        return lease;
      }
      if (size !== null) throw new StoredElsewhere(size);
      if (deadOnThisHost(holder, this.o.owner)) {
        // Ended as that holder: a no-op when someone else claimed it meanwhile.
        await this.o.leases.releaseFill(digest, holder);
        continue;
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 1_000);
    }
  }

  private hold(digest: string): HeldLease {
    const { leases, owner } = this.o;
    const timer = setInterval(() => {
      void leases.renewFill(digest, owner, new Date(this.now() + this.ttl).toISOString()).catch(() => {});
    }, this.ttl / 3);
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await leases.releaseFill(digest, owner).catch(() => {});
      },
    };
  }
}

/** This process's lease owner name: host, process id, and a random part for a restart with the same pid. */
export function fillOwner(random: string, host = hostname(), pid = process.pid): string {
  const owner = `${host}:${pid}:${random}`;
  ownersHere.add(owner);
  return owner;
}

/** Owners made in this process: nodes started side by side in one process (tests) are all alive. */
const ownersHere = new Set<string>();

/**
 * Whether `holder` is an earlier process on this host that is gone: same host,
 * and its pid is not running, or is this process's own pid under a random
 * part this process never made (a container restarted as pid 1 again).
 */
export function deadOnThisHost(holder: string, self: string, alive = pidAlive): boolean {
  const [host, pid] = holder.split(':');
  const [ownHost, ownPid] = self.split(':');
  if (holder === self || host !== ownHost || !/^\d+$/.test(pid ?? '')) return false;
  return pid === ownPid ? !ownersHere.has(holder) : !alive(Number(pid));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
