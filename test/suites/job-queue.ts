/** The shared JobQueue suite: two "nodes" (two store connections) share one queue. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue } from '../../src/core/jobs.ts';

export interface QueuePair {
  a: JobQueue;
  b: JobQueue;
  cleanup(): Promise<void>;
}

export function jobQueueSuite(name: string, open: () => Promise<QueuePair>): void {
  describe(`job queue: ${name}`, () => {
    let q: QueuePair;
    before(async () => {
      q = await open();
    });
    after(async () => q.cleanup());

    it('hands a job to one node and completes it', async () => {
      const id = await q.a.enqueue('t.simple', { repo: 'x' });
      assert.equal(await q.a.claim('n1', ['other'], 10_000), null, 'kinds filter');
      const job = await q.b.claim('n2', ['t.simple'], 10_000);
      assert.equal(job?.id, id);
      assert.deepEqual(job?.payload, { repo: 'x' });
      assert.equal(job?.attempts, 1);
      assert.equal(await q.a.claim('n1', ['t.simple'], 10_000), null, 'a leased job is not handed out twice');
      await q.b.complete(id, 'n2');
      assert.equal((await q.a.info(id))?.status, 'done');
    });

    it('does not run a job before its time', async () => {
      await q.a.enqueue('t.later', null, { runAt: new Date(Date.now() + 60_000) });
      assert.equal(await q.a.claim('n1', ['t.later'], 1000), null);
    });

    it('gives an expired lease to another node', async () => {
      const id = await q.a.enqueue('t.lease', 1);
      assert.equal((await q.a.claim('n1', ['t.lease'], 50))?.id, id);
      await sleep(80);
      const again = await q.b.claim('n2', ['t.lease'], 10_000);
      assert.equal(again?.id, id);
      assert.equal(again?.attempts, 2);
      assert.equal(await q.a.extend(id, 'n1', 1000), false, 'the old owner lost its lease');
      assert.equal(await q.b.extend(id, 'n2', 1000), true);
      await q.a.complete(id, 'n1'); // ignored: not the owner
      assert.equal((await q.a.info(id))?.status, 'running');
      await q.b.complete(id, 'n2');
    });

    it('retries a failed job until its attempts run out', async () => {
      const id = await q.a.enqueue('t.fail', null, { maxAttempts: 2 });
      let job = await q.a.claim('n1', ['t.fail'], 10_000);
      await q.a.fail(id, 'n1', 'boom 1');
      assert.equal((await q.a.info(id))?.status, 'queued');
      job = await q.b.claim('n2', ['t.fail'], 10_000);
      assert.equal(job?.attempts, 2);
      await q.b.fail(id, 'n2', 'boom 2');
      const info = await q.a.info(id);
      assert.equal(info?.status, 'failed');
      assert.equal(info?.lastError, 'boom 2');
      assert.equal(await q.a.claim('n1', ['t.fail'], 10_000), null);
    });

    it('never hands one job to two nodes racing for it', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add(await q.a.enqueue('t.race', i));
      const claimed: string[] = [];
      const worker = async (queue: JobQueue, owner: string) => {
        for (;;) {
          const job = await queue.claim(owner, ['t.race'], 60_000);
          if (!job) return;
          claimed.push(job.id);
        }
      };
      await Promise.all([worker(q.a, 'n1'), worker(q.b, 'n2'), worker(q.a, 'n3'), worker(q.b, 'n4')]);
      assert.equal(claimed.length, 20);
      assert.deepEqual(new Set(claimed), ids);
    });
  });
}
