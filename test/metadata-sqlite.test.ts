import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { jobQueueSuite } from './suites/job-queue.ts';
import { metadataStoreSuite } from './suites/metadata-store.ts';

metadataStoreSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-'));
  const store = await SqliteStore.open(join(dir, 'berth.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

jobQueueSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-jobs-'));
  const a = await SqliteStore.open(join(dir, 'berth.db'));
  const b = await SqliteStore.open(join(dir, 'berth.db'));
  return {
    a: a.jobs,
    b: b.jobs,
    cleanup: async () => {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

it('a migration that fails part-way leaves nothing behind, and the next start runs it again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-migrate-'));
  const file = join(dir, 'berth.db');
  const tables = (db: SqliteDatabase.Database) =>
    (db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map(
      (r) => r.name,
    );
  try {
    // The first migration creates `tags` after five other tables: a table of that name already there fails it
    // part-way (as a start killed in the middle of it would stop it).
    const raw = new SqliteDatabase(file);
    raw.exec('create table tags (x integer)');
    raw.close();
    await assert.rejects(SqliteStore.open(file), /migration 0001_registry failed/);
    const after = new SqliteDatabase(file);
    assert.deepEqual(tables(after), ['tags'], 'the failed start created nothing');
    after.exec('drop table tags');
    after.close();
    const store = await SqliteStore.open(file);
    await store.close();
    const done = new SqliteDatabase(file, { readonly: true });
    assert.ok(tables(done).includes('manifests'));
    done.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
