/**
 * Brute-force protection: counts failed logins per client address and per
 * address + account name in a sliding window; while over the limit, logins
 * from there are refused (429) without checking the password. The address is
 * the real client's (behind a trusted proxy, from X-Forwarded-For), so one
 * source's lockout never locks out another.
 *
 * Memory is bounded without ever forgetting everything at once: at most
 * `maxEntries` counters, the least recently failed evicted first. A source
 * cycling through account names keeps touching its own address counter, so
 * it stays counted (and locked); what goes is old counters of others.
 * In memory, per node: each node of a cluster counts on its own.
 */
export interface LimiterOptions {
  /** Failures allowed per address + account in the window (the address alone gets 5×). */
  maxFailures: number;
  windowMs: number;
  now?: () => number;
  /** Counters kept at most (default 100,000; each holds at most 5 × maxFailures times). */
  maxEntries?: number;
}

export class LoginLimiter {
  /** Failure times per key, oldest key first (a Map keeps insertion order: re-inserted on each failure). */
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: LimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  private keys(address: string, account: string): [string, number][] {
    const max = this.options.maxFailures;
    return [
      [`a\0${address}`, max * 5],
      [`u\0${address}\0${account}`, max],
    ];
  }

  private recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds to wait before trying again, or 0 when a login may be attempted. */
  retryAfter(address: string, account: string): number {
    let wait = 0;
    for (const [key, max] of this.keys(address, account)) {
      const list = this.failures.has(key) ? this.recent(key) : [];
      if (list.length >= max) {
        const freeAt = list[list.length - max] + this.options.windowMs;
        wait = Math.max(wait, Math.ceil((freeAt - this.now()) / 1000));
      }
    }
    return wait;
  }

  fail(address: string, account: string): void {
    for (const [key, max] of this.keys(address, account)) {
      const list = this.recent(key);
      list.push(this.now());
      // Only the last `max` times decide a lockout.
      if (list.length > max) list.splice(0, list.length - max);
      this.failures.delete(key);
      this.failures.set(key, list);
    }
    while (this.failures.size > this.maxEntries) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
  }

  succeed(address: string, account: string): void {
    this.failures.delete(this.keys(address, account)[1][0]);
  }

  /** Counters held (tests, metrics). */
  get size(): number {
    return this.failures.size;
  }
}
