/**
 * Pushes and pulls per day for the dashboard. Counting is an in-memory
 * increment on the request path; a timer adds the counts to the store, so a
 * busy registry writes one row per interval, not one per request.
 */
import type { Clock } from '../../core/ports.ts';
import { systemClock } from '../../core/ports.ts';
import type { DailyTraffic, TrafficStore } from '../../core/ports-catalog.ts';

export interface TrafficRecorderOptions {
  store: TrafficStore;
  clock?: Clock;
  /** Milliseconds between flushes (default 10 s). */
  flushEveryMs?: number;
  onError?: (err: unknown) => void;
}

export class TrafficRecorder {
  private pending = new Map<string, DailyTraffic>();
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

  pull(): void {
    this.today().pulls += 1;
  }

  private today(): DailyTraffic {
    const day = this.clock.now().toISOString().slice(0, 10);
    const known = this.pending.get(day);
    if (known) return known;
    const entry = { day, pushes: 0, pulls: 0 };
    this.pending.set(day, entry);
    return entry;
  }

  /** Writes the counts gathered so far; on failure they are kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
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
    });
    return this.flushing;
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
