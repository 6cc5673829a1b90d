/**
 * Rescans after a newer vulnerability database: the images pulled in the last
 * N days are scanned again, one at a time in the background (in this
 * process; a restart drops what is still queued). When an image was last
 * pulled is the registry's own record (`manifests.pulled_at`, written by the
 * traffic recorder), flushed first so that the latest pulls count.
 */
import type { ScanService } from './service.ts';

export interface RescanOptions {
  scan: ScanService;
  /** Images pulled within this many days are rescanned; 0: never. */
  days: number;
  onQueued?(count: number): void;
  onError?(err: unknown, digest: string): void;
  /** Most images rescanned per import. */
  limit?: number;
  /** Writes pulls counted but not yet stored (the traffic recorder's flush). */
  flushPulls?(): Promise<void>;
}

export class Rescanner {
  private queue: { repository: string; digest: string }[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: RescanOptions) {}

  /** A newer database arrived: queue the recently pulled images. Returns how many were queued. */
  async databaseUpdated(now: Date = new Date()): Promise<number> {
    if (this.options.days <= 0 || this.closed) return 0;
    await this.options.flushPulls?.();
    const since = new Date(now.getTime() - this.options.days * 86_400_000).toISOString().slice(0, 10);
    const recent = await this.options.scan.store.pulledSince(since, this.options.limit ?? 10_000);
    const queued = new Set(this.queue.map((q) => `${q.repository}@${q.digest}`));
    const fresh = recent.filter((r) => !queued.has(`${r.repository}@${r.digest}`));
    this.queue.push(...fresh);
    this.options.onQueued?.(fresh.length);
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
    return fresh.length;
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
      try {
        await this.options.scan.scan(next.repository, next.digest);
      } catch (err) {
        this.options.onError?.(err, next.digest);
      }
    }
  }
}
