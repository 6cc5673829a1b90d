/**
 * A circuit breaker per upstream: after `threshold` consecutive failures of
 * the "unavailable" kind it opens for `cooldownMs` (calls fail at once, so a
 * dead upstream does not cost every pull a timeout), then lets one trial call
 * through (half open); a success closes it.
 */
export class Breaker {
  private failures = 0;
  private openUntil = 0;
  private trial = false;

  constructor(
    private readonly threshold = 5,
    private readonly cooldownMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** False when calls should not be made now. */
  allow(): boolean {
    if (this.failures < this.threshold) return true;
    if (this.now() < this.openUntil) return false;
    if (this.trial) return false;
    this.trial = true;
    return true;
  }

  get open(): boolean {
    return this.failures >= this.threshold && this.now() < this.openUntil;
  }

  success(): void {
    this.failures = 0;
    this.trial = false;
  }

  failure(): void {
    this.failures++;
    this.trial = false;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.cooldownMs;
  }
}
