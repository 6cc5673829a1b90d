/**
 * The identity read cache (src/adapters/metadata/access-read-cache.ts): a
 * revocation made through another connection, process or node is seen by the
 * next request, on SQLite (data_version) and PostgreSQL (LISTEN/NOTIFY).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cachingAccessStore } from '../../src/adapters/metadata/access-read-cache.ts';
import { KyselyAccessStore } from '../../src/adapters/metadata/access-store.ts';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { PostgresStore } from '../../src/adapters/metadata/postgres.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import type { AccessStore } from '../../src/core/access/ports.ts';
import { createTestDatabase } from '../support/postgres.ts';

const user = (username: string) => ({
  username,
  email: `${username}@example.test`,
  realname: username,
  comment: '',
  passwordHash: null,
  sysadmin: false,
  source: 'local' as const,
  externalId: null,
  cliSecretHash: null,
});

/** Counts the reads that reach the database. */
function counting(store: AccessStore): { store: AccessStore; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'memberRole' || prop === 'projectByName' || prop === 'userByName') {
        return (...args: unknown[]) => {
          reads++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return v;
    },
  });
  return { store: proxy, reads: () => reads };
}

async function scenario(a: KyselyStore, b: KyselyStore, settle: () => Promise<void>) {
  const direct = KyselyAccessStore.over(a.db);
  const counted = counting(direct);
  const cached = cachingAccessStore(counted.store, a.identityChanges());
  const other = cachingAccessStore(KyselyAccessStore.over(b.db), b.identityChanges());
  await settle();

  const alice = await other.createUser(user('alice'));
  const project = await other.createProject({ name: 'team', public: false, ownerId: null });
  assert.ok(alice && project);
  const member = await other.addMember(project.id, alice.id, 'developer');
  assert.ok(member);
  await settle();

  assert.equal(await cached.memberRole(project.id, alice.id), 'developer');
  const before = counted.reads();
  for (let i = 0; i < 50; i++) assert.equal(await cached.memberRole(project.id, alice.id), 'developer');
  assert.equal(counted.reads(), before, 'repeated reads are answered from memory');

  // Revoked elsewhere: the next read here must see it.
  assert.ok(await other.removeMember(member.id));
  await settle();
  assert.equal(await cached.memberRole(project.id, alice.id), null);

  // A write through the cached store itself is seen at once, with no settling.
  await cached.addMember(project.id, alice.id, 'guest');
  assert.equal(await cached.memberRole(project.id, alice.id), 'guest');
  await cached.updateProject(project.id, { public: true });
  assert.equal((await cached.projectByName('team'))?.public, true);
}

describe('identity read cache', () => {
  test('SQLite: a write by another connection (a CLI process) is seen by the next read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-readcache-'));
    after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'berth.db');
    const a = await SqliteStore.open(file);
    const b = await SqliteStore.open(file);
    after(async () => {
      await a.close();
      await b.close();
    });
    // data_version is read once per event-loop turn: a request of a later turn sees the commit.
    await scenario(a, b, () => new Promise((r) => setImmediate(r)));
  });

  test('PostgreSQL: a write on another node is seen by the next read', async () => {
    const database = await createTestDatabase();
    after(() => database.drop());
    const a = await PostgresStore.open({ url: database.url });
    const b = await PostgresStore.open({ url: database.url });
    after(async () => {
      await a.close();
      await b.close();
    });
    // NOTIFY is delivered after the writer's commit: give it a moment to arrive.
    await scenario(a, b, () => new Promise((r) => setTimeout(r, 150)));
  });

  test('a read that overlapped a write is not kept', async () => {
    let release: () => void = () => {};
    let role: string | null = 'developer';
    const slow = {
      memberRole: async () => {
        const answer = role;
        await new Promise<void>((r) => {
          release = r;
        });
        return answer;
      },
      removeMember: async () => {
        role = null;
        return true;
      },
    } as unknown as AccessStore;
    const cached = cachingAccessStore(slow, { version: () => 1 });
    const inFlight = cached.memberRole(1, 1);
    await new Promise((r) => setImmediate(r));
    await cached.removeMember(1);
    release();
    assert.equal(await inFlight, 'developer');
    const next = cached.memberRole(1, 1);
    await new Promise((r) => setImmediate(r));
    release();
    assert.equal(await next, null, 'the stale answer was not cached');
  });
});
