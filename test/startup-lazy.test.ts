/**
 * Start-up work deferred to first use (bench/FINDINGS.md, "Start-up, third
 * round") still happens when it is needed: the schema check on a database
 * that lacks a migration, the background runners and process metrics once
 * `serve` starts them (or at the first scrape), and every CLI command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';

const run = promisify(execFile);

test('a database missing a migration is migrated; an up-to-date one opens without the migrator', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  try {
    const file = join(dir, 'meta.db');
    await (await SqliteStore.open(file)).close();
    const raw = new Database(file);
    const applied = (raw.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n;
    const last = raw.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string };
    assert.ok(applied > 10);
    // Forget the labels tables and their migration: the next open must bring them back.
    const labels = raw.prepare("select name from kysely_migration where name like '%label%'").all() as {
      name: string;
    }[];
    assert.ok(labels.length > 0, 'a labels migration exists');
    raw.exec(
      "drop table if exists artifact_labels; drop table if exists labels; delete from kysely_migration where name like '%label%'",
    );
    raw.close();
    const store = await SqliteStore.open(file);
    await store.close();
    const again = new Database(file);
    assert.equal((again.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n, applied);
    assert.ok(again.prepare('select name from kysely_migration where name = ?').get(last.name));
    again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('deferred background: process metrics come at the first scrape, runners at startBackground', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const berth = await buildApp(
    loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'silent' } }),
    pino({ level: 'silent' }),
    { deferBackground: true },
  );
  try {
    const scraped = await berth.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(scraped.statusCode, 200);
    assert.match(scraped.body, /berth_process_cpu_user_seconds_total/);
    berth.startBackground();
    berth.startBackground();
    const v2 = await berth.app.inject({ method: 'GET', url: '/v2/' });
    assert.equal(v2.statusCode, 200);
  } finally {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('berth serve loads only the server; the other commands are still there', async () => {
  const main = join(import.meta.dirname, '../src/cli/main.ts');
  const all = await run(process.execPath, ['--import', 'tsx', main, '--help']);
  for (const command of ['serve', 'fsck', 'user', 'export', 'import', 'config', 'gc', 'vulndb'])
    assert.match(all.stdout, new RegExp(`\\n  ${command}\\b`), command);
  const serve = await run(process.execPath, ['--import', 'tsx', main, 'serve', '--help']);
  assert.match(serve.stdout, /--tls-cert/);
});
