/**
 * Rescans after a newer vulnerability database: the images pulled in the last
 * N days are scanned again, one at a time in the background (in this
 * process; a restart drops what is still queued). Pulls are noted at most
 * once a day per manifest, so the pull path costs one write a day per image.
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
}

const NOTED_CAP = 50_000;

export class Rescanner {
  private readonly noted = new Map<string, string>();
  private queue: { repository: string; digest: string }[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: RescanOptions) {}

  /** A pull happened: note its day (once a day per manifest). */
  async pulled(repository: string, digest: string, at: Date = new Date()): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    const key = `${repository}@${digest}`;
    if (this.noted.get(key) === day) return;
    if (this.noted.size >= NOTED_CAP) this.noted.clear();
    this.noted.set(key, day);
    await this.options.scan.store.notePull(repository, digest, day);
  }

  /** A newer database arrived: queue the recently pulled images. Returns how many were queued. */
  async databaseUpdated(now: Date = new Date()): Promise<number> {
    if (this.options.days <= 0 || this.closed) return 0;
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
