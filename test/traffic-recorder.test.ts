/** Daily push/pull counters: counted in memory, added to the store in batches, kept when the store fails. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DailyTraffic, TrafficStore } from '../src/core/ports-catalog.ts';
import { TrafficRecorder } from '../src/features/traffic/recorder.ts';

class MemoryTraffic implements TrafficStore {
  days = new Map<string, DailyTraffic>();
  writes = 0;
  failNext = false;
  async addTraffic(entries: DailyTraffic[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database is down');
    }
    this.writes += 1;
    for (const e of entries) {
      const d = this.days.get(e.day) ?? { day: e.day, pushes: 0, pulls: 0 };
      this.days.set(e.day, { day: e.day, pushes: d.pushes + e.pushes, pulls: d.pulls + e.pulls });
    }
  }
  async traffic(fromDay: string): Promise<DailyTraffic[]> {
    return [...this.days.values()].filter((d) => d.day >= fromDay).sort((a, b) => a.day.localeCompare(b.day));
  }
}

function clockAt(iso: string) {
  const clock = { at: new Date(iso), now: () => clock.at };
  return clock;
}

describe('TrafficRecorder', () => {
  it('batches many counts into one write per flush, per day', async () => {
    const store = new MemoryTraffic();
    const clock = clockAt('2026-03-01T23:59:00Z');
    const recorder = new TrafficRecorder({ store, clock, flushEveryMs: 60_000 });
    for (let i = 0; i < 1000; i++) recorder.pull();
    recorder.push();
    clock.at = new Date('2026-03-02T00:01:00Z');
    recorder.push();
    assert.equal(store.writes, 0);
    await recorder.flush();
    assert.equal(store.writes, 1);
    assert.deepEqual(await store.traffic('2026-03-01'), [
      { day: '2026-03-01', pushes: 1, pulls: 1000 },
      { day: '2026-03-02', pushes: 1, pulls: 0 },
    ]);
    await recorder.flush();
    assert.equal(store.writes, 1, 'nothing new, nothing written');
    await recorder.close();
  });

  it('keeps the counts when the store fails, and reports them meanwhile', async () => {
    const store = new MemoryTraffic();
    const errors: unknown[] = [];
    const recorder = new TrafficRecorder({
      store,
      clock: clockAt('2026-03-01T10:00:00Z'),
      onError: (e) => errors.push(e),
    });
    recorder.push();
    recorder.push();
    store.failNext = true;
    await recorder.flush();
    assert.equal(errors.length, 1);
    recorder.pull();
    assert.deepEqual(await recorder.since('2026-03-01'), [{ day: '2026-03-01', pushes: 2, pulls: 1 }]);
    await recorder.close();
    assert.deepEqual(await store.traffic('2026-03-01'), [{ day: '2026-03-01', pushes: 2, pulls: 1 }]);
  });
});
