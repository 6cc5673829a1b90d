/**
 * Daily push/pull counters and per-repository pull counts: counted in memory,
 * added to the store in batches, kept when the store fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DailyTraffic, PullBatch, TrafficStore } from '../src/core/ports-catalog.ts';
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
  pulls = new Map<string, number>();
  pulledAt = new Map<string, string>();
  pullWrites = 0;
  failPulls = false;
  async addPulls(batch: PullBatch): Promise<void> {
    if (this.failPulls) {
      this.failPulls = false;
      throw new Error('database is down');
    }
    this.pullWrites += 1;
    for (const r of batch.repositories) this.pulls.set(r.repository, (this.pulls.get(r.repository) ?? 0) + r.pulls);
    for (const a of batch.artifacts) {
      const key = `${a.repository}@${a.digest}`;
      if ((this.pulledAt.get(key) ?? '') < a.at) this.pulledAt.set(key, a.at);
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

  it('counts pulls per repository and the latest pull per manifest, one store write per flush', async () => {
    const store = new MemoryTraffic();
    const clock = clockAt('2026-03-01T10:00:00Z');
    const recorder = new TrafficRecorder({ store, clock, flushEveryMs: 60_000 });
    for (let i = 0; i < 500; i++) recorder.pull('team/app', 'sha256:aa');
    clock.at = new Date('2026-03-01T10:00:05Z');
    recorder.pull('team/app', 'sha256:aa');
    recorder.pull('team/web');
    assert.equal(store.pullWrites, 0);
    await recorder.flush();
    assert.equal(store.pullWrites, 1);
    assert.deepEqual(Object.fromEntries(store.pulls), { 'team/app': 501, 'team/web': 1 });
    assert.deepEqual(Object.fromEntries(store.pulledAt), { 'team/app@sha256:aa': '2026-03-01T10:00:05.000Z' });
    assert.deepEqual(await store.traffic('2026-03-01'), [{ day: '2026-03-01', pushes: 0, pulls: 502 }]);
    await recorder.flush();
    assert.equal(store.pullWrites, 1, 'nothing new, nothing written');
    await recorder.close();
  });

  it('keeps pull counts when the store fails; several recorders add up in one store', async () => {
    const store = new MemoryTraffic();
    const errors: unknown[] = [];
    const one = new TrafficRecorder({ store, clock: clockAt('2026-03-01T10:00:00Z'), onError: (e) => errors.push(e) });
    const two = new TrafficRecorder({ store, clock: clockAt('2026-03-01T11:00:00Z') });
    one.pull('team/app', 'sha256:aa');
    one.pull('team/app', 'sha256:aa');
    store.failPulls = true;
    await one.flush();
    assert.equal(errors.length, 1);
    assert.equal(store.pulls.size, 0);
    one.pull('team/app');
    two.pull('team/app', 'sha256:aa');
    await two.close();
    await one.close();
    assert.equal(store.pulls.get('team/app'), 4);
    assert.equal(store.pullWrites, 2);
  });
});
