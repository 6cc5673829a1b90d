/**
 * Pushes and pulls per day for the dashboard, and pulls per repository (its
 * pull_count) with each manifest's latest pull. Counting is an in-memory
 * increment on the request path; a timer adds the counts to the store, so a
 * busy registry writes one row per day, repository and pulled manifest per
 * interval, not one per request. Additive writes: several nodes may share
 * one database.
 */
import type { Clock } from '../../core/ports.ts';
import { systemClock } from '../../core/ports.ts';
import type { DailyTraffic, PullBatch, TrafficStore } from '../../core/ports-catalog.ts';

export interface TrafficRecorderOptions {
  store: TrafficStore;
  clock?: Clock;
  /** Milliseconds between flushes (default 10 s). */
  flushEveryMs?: number;
  onError?: (err: unknown) => void;
}

/** Pulls per repository since the last flush, with each manifest's latest pull (epoch ms) by digest. */
type PendingPulls = Map<string, { pulls: number; latest: Map<string, number> }>;

const DAY_MS = 86_400_000;
export class TrafficRecorder {
  private pending = new Map<string, DailyTraffic>();
  private pulls: PendingPulls = new Map();
  /** The UTC day of the last count and its bounds: one ISO string per day, not per pull. */
  private dayKey = '';
  private dayStart = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly store: TrafficStore;
  private readonly clock: Clock;
  private readonly onError: (err: unknown) => void;
  private flushing: Promise<void> = Promise.resolve();

  constructor(options: TrafficRecorderOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.onError = options.onError ?? (() => {});
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 10_000);
    this.timer.unref();
  }

  push(): void {
    this.today().pushes += 1;
  }

  /** A manifest pull; with the repository (and the digest served), counted for it too. */
  pull(repository?: string, digest?: string): void {
    // One clock read per pull and no string built: this runs on the manifest GET hot path.
    const ms = this.clock.now().getTime();
    this.dayAt(ms).pulls += 1;
    if (repository === undefined) return;
    let counts = this.pulls.get(repository);
    if (!counts) {
      counts = { pulls: 0, latest: new Map() };
      this.pulls.set(repository, counts);
    }
    counts.pulls += 1;
    if (digest) counts.latest.set(digest, ms);
  }

  private today(): DailyTraffic {
    return this.dayAt(this.clock.now().getTime());
  }

  private dayAt(ms: number): DailyTraffic {
    if (ms < this.dayStart || ms >= this.dayStart + DAY_MS) {
      this.dayStart = ms - (ms % DAY_MS);
      this.dayKey = new Date(this.dayStart).toISOString().slice(0, 10);
    }
    return this.day(this.dayKey);
  }

  private day(day: string): DailyTraffic {
    const known = this.pending.get(day);
    if (known) return known;
    const entry = { day, pushes: 0, pulls: 0 };
    this.pending.set(day, entry);
    return entry;
  }

  /** Writes the counts gathered so far; on failure they are kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      await this.flushDays();
      await this.flushPulls();
    });
    return this.flushing;
  }

  private async flushDays(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.store.addTraffic(batch);
    } catch (err) {
      for (const e of batch) {
        const entry = this.pending.get(e.day) ?? { day: e.day, pushes: 0, pulls: 0 };
        entry.pushes += e.pushes;
        entry.pulls += e.pulls;
        this.pending.set(e.day, entry);
      }
      this.onError(err);
    }
  }

  private async flushPulls(): Promise<void> {
    const taken = this.pulls;
    if (taken.size === 0) return;
    this.pulls = new Map();
    const batch: PullBatch = { repositories: [], artifacts: [] };
    for (const [repository, { pulls, latest }] of taken) {
      batch.repositories.push({ repository, pulls });
      for (const [digest, ms] of latest) batch.artifacts.push({ repository, digest, at: new Date(ms).toISOString() });
    }
    try {
      await this.store.addPulls(batch);
    } catch (err) {
      // Put them back under what was counted meanwhile; a newer pull time wins.
      for (const [repository, { pulls, latest }] of taken) {
        const now = this.pulls.get(repository) ?? { pulls: 0, latest: new Map<string, number>() };
        now.pulls += pulls;
        for (const [digest, ms] of latest) if (!now.latest.has(digest)) now.latest.set(digest, ms);
        this.pulls.set(repository, now);
      }
      this.onError(err);
    }
  }

  /**
   * The stored days from `fromDay` on, with what has not been stored yet added
   * in. Runs between flushes, so a batch being written is counted exactly once.
   */
  since(fromDay: string): Promise<DailyTraffic[]> {
    const read = this.flushing.then(async () => {
      const days = new Map((await this.store.traffic(fromDay)).map((d) => [d.day, { ...d }]));
      for (const e of this.pending.values()) {
        if (e.day < fromDay) continue;
        const d = days.get(e.day) ?? { day: e.day, pushes: 0, pulls: 0 };
        d.pushes += e.pushes;
        d.pulls += e.pulls;
        days.set(e.day, d);
      }
      return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
    });
    this.flushing = read.then(
      () => {},
      () => {},
    );
    return read;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
