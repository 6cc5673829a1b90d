/**
 * Brute-force protection: counts failed logins per client address and per
 * address + account name in a sliding window; while over the limit, logins
 * from there are refused (429) without checking the password.
 * In memory, per node: each node of a cluster counts on its own.
 */
export interface LimiterOptions {
  /** Failures allowed per address + account in the window (the address alone gets 5×). */
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions) {
    this.now = options.now ?? Date.now;
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
      const list = this.recent(key);
      if (list.length >= max) {
        const freeAt = list[list.length - max] + this.options.windowMs;
        wait = Math.max(wait, Math.ceil((freeAt - this.now()) / 1000));
      }
    }
    return wait;
  }

  fail(address: string, account: string): void {
    for (const [key] of this.keys(address, account)) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
    if (this.failures.size > 100_000) this.failures.clear();
  }

  succeed(address: string, account: string): void {
    this.failures.delete(this.keys(address, account)[1][0]);
  }
}
