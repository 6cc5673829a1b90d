/**
 * ISO 8601 time strings for events and log lines written on every request: a
 * busy server answers several requests in the same millisecond, so the string
 * of the last millisecond is kept and reused instead of formatted again.
 */
export class IsoClock {
  private lastMs = Number.NaN;
  private lastIso = '';

  /** The ISO string of `ms` (epoch milliseconds). */
  iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}
