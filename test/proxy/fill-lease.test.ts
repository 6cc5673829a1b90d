/**
 * The fill lease across nodes: a waiter does not sit out the lease of a
 * process on its own host that is gone (Berth killed mid-fetch, restarted),
 * but does wait for a live holder or one on another host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadOnThisHost, FillLeaseCoordinator, fillOwner } from '../../src/features/proxy/fill-lease.ts';
import type { FillLeases } from '../../src/features/proxy/store.ts';

/** One table row per digest, as the SQL adapters keep it. */
function memoryLeases(): FillLeases & { rows: Map<string, { owner: string; until: string }> } {
  const rows = new Map<string, { owner: string; until: string }>();
  return {
    rows,
    async claimFill(digest, owner, now, until) {
      const row = rows.get(digest);
      if (!row || row.until < now || row.owner === owner) rows.set(digest, { owner, until });
      return rows.get(digest)?.owner ?? owner;
    },
    async renewFill(digest, owner, until) {
      const row = rows.get(digest);
      if (row?.owner !== owner) return false;
      row.until = until;
      return true;
    },
    async releaseFill(digest, owner) {
      if (rows.get(digest)?.owner === owner) rows.delete(digest);
    },
  };
}

test('a lease left by a dead process on this host is taken at once', async () => {
  const leases = memoryLeases();
  const far = new Date(Date.now() + 60_000).toISOString();
  // pid 2^22+1 is above Linux's pid_max: never a running process.
  leases.rows.set('sha256:a', { owner: 'node-a:4194305:old', until: far });
  const coordinator = new FillLeaseCoordinator({ leases, owner: 'node-a:100:new', ttlMs: 60_000 });
  const started = Date.now();
  const lease = await coordinator.acquire('sha256:a', async () => null);
  assert.ok(Date.now() - started < 1_000, 'not waited out');
  assert.equal(leases.rows.get('sha256:a')?.owner, 'node-a:100:new');
  await lease.release();
  assert.equal(leases.rows.size, 0);
});

test('a live holder, or one on another host, is waited for until its blob is stored', async () => {
  for (const holder of [`node-a:${process.pid}:x`, 'node-b:4194305:x']) {
    const leases = memoryLeases();
    leases.rows.set('sha256:b', { owner: holder, until: new Date(Date.now() + 60_000).toISOString() });
    // Same host: the holder's pid is this test's own process, running. Other host: its pid runs nowhere here.
    const sameHost = holder.startsWith('node-a');
    const self = sameHost ? `node-a:${process.pid + 1}:me` : 'node-a:1:me';
    assert.equal(deadOnThisHost(holder, self), false, holder);
    const coordinator = new FillLeaseCoordinator({ leases, owner: self, pollMs: 10 });
    let stored: number | null = null;
    setTimeout(() => {
      stored = 42;
    }, 100);
    await assert.rejects(
      coordinator.acquire('sha256:b', async () => stored),
      { message: 'stored by another node' },
    );
    assert.equal(leases.rows.get('sha256:b')?.owner, holder, sameHost ? 'live holder kept' : 'other host kept');
  }
});

test('deadOnThisHost: own pid under another random part is an earlier run (a container restarted as pid 1)', () => {
  const alive = () => true;
  assert.equal(deadOnThisHost('h:1:old', 'h:1:new', alive), true);
  assert.equal(deadOnThisHost('h:1:same', 'h:1:same', alive), false);
  assert.equal(deadOnThisHost('h:7:x', 'h:1:new', alive), false);
  assert.equal(
    deadOnThisHost('h:7:x', 'h:1:new', () => false),
    true,
  );
  assert.equal(
    deadOnThisHost('other:7:x', 'h:1:new', () => false),
    false,
  );
  assert.equal(
    deadOnThisHost('garbage', 'h:1:new', () => false),
    false,
  );
});

test('nodes made in one process (side by side in a test) are alive to each other', () => {
  const a = fillOwner('aaaa', 'h', 1);
  const b = fillOwner('bbbb', 'h', 1);
  assert.equal(deadOnThisHost(a, b), false);
  assert.equal(deadOnThisHost('h:1:cccc', b), true);
});
