/**
 * Start-up work deferred to first use (bench/FINDINGS.md, "Start-up, third
 * round") still happens when it is needed: the schema check on a database
 * that lacks a migration, the background runners and process metrics once
 * `serve` starts them (or at the first scrape), and every CLI command; the
 * management API, console and sessions are built at their first request
 * ("Session 8"), and their bundle chunk is not loaded before. `serve` binds
 * its port before loading the app and holds every request but a version check
 * until the app is whole ("Start-up, session 9", "Session 14";
 * test/startup-door.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { freePort } from './support/berth.ts';

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

test('the management API is built at its first request, behind the same hooks, bodies intact', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const berth = await buildApp(
    loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'silent' } }),
    pino({ level: 'silent' }),
    { deferBackground: true },
  );
  try {
    for (const url of ['/v2/', '/livez', '/metrics'])
      assert.equal((await berth.app.inject({ method: 'GET', url })).statusCode, 200, url);
    assert.equal(berth.management.started(), false, '/v2/, probes and metrics do not build the management API');
    const created = await berth.app.inject({
      method: 'POST',
      url: '/api/v2.0/projects',
      payload: { project_name: 'lazy1' },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(berth.management.started(), true);
    // Security headers of the first instance are on the second one's answers; its error shapes are its own.
    assert.match(String(created.headers['content-security-policy']), /frame-ancestors 'none'/);
    const project = await berth.app.inject({ method: 'GET', url: '/api/v2.0/projects/lazy1' });
    assert.equal(project.json().name, 'lazy1');
    const missing = await berth.app.inject({ method: 'GET', url: '/api/v2.0/no-such' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().errors[0].code, 'NOT_FOUND');
    const bad = await berth.app.inject({ method: 'POST', url: '/api/v2.0/projects', payload: { project_name: 7 } });
    assert.equal(bad.statusCode, 400);
    // The access log's metrics count the forwarded requests once each.
    const scraped = (await berth.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(scraped, /berth_http_requests_total\{method="POST",route="api",status="201"\} 1\n/);
    assert.match(scraped, /berth_http_requests_total\{method="GET",route="api",status="404"\} 1\n/);
  } finally {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('berth serve (the bundle) answers /v2/ without loading the management chunk, TLS or HTTP/2', async () => {
  const root = join(import.meta.dirname, '..');
  const bundle = join(root, 'dist/bundle');
  const chunk = (await readdir(bundle)).find((f) => f.startsWith('management-') && f.endsWith('.js'));
  assert.ok(chunk, 'dist/bundle has a management chunk (npm run build)');
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const trace = join(dir, 'loaded.txt');
  const builtinsTrace = join(dir, 'builtins.txt');
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      '--import',
      join(root, 'test/support/load-trace.mjs'),
      '--require',
      join(root, 'test/support/builtins-trace.cjs'),
      join(bundle, 'main.js'),
      'serve',
      '--host',
      '127.0.0.1',
    ],
    {
      env: {
        ...process.env,
        BERTH_LOAD_TRACE: trace,
        BERTH_BUILTINS_TRACE: builtinsTrace,
        BERTH_AUTH: 'off',
        BERTH_DATA: join(dir, 'data'),
        BERTH_PORT: `${port}`,
      },
      stdio: 'ignore',
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    // The whole server: the catalog is answered once the app has taken the port over.
    await waitFor(`${base}/v2/_catalog`, server);
    const atStart = (await readFile(trace, 'utf8')).split('\n');
    assert.ok(
      atStart.some((url) => /\/dist\/bundle\/serve-[^/]+\.js$/.test(url)),
      'the trace sees the serve chunk',
    );
    assert.ok(!atStart.some((url) => url.endsWith(`/${chunk}`)), `${chunk} is not loaded at start`);
    // Fastify and prom-client require these at load; the bundle defers them to their first use
    // (scripts/bundle.mjs, requireWhenUsed). tls-limits.test.ts serves TLS and HTTP/2 through the same bundle.
    const builtins = (await readFile(builtinsTrace, 'utf8')).split('\n');
    assert.ok(builtins.includes('crypto'), 'the trace sees the built-ins a start loads');
    for (const unused of ['tls', 'https', 'http2'])
      assert.ok(!builtins.includes(unused), `${unused} is not loaded before listening`);
    const info = await fetch(`${base}/api/v2.0/systeminfo`);
    assert.equal(info.status, 200);
    const after = (await readFile(trace, 'utf8')).split('\n');
    assert.ok(
      after.some((url) => url.endsWith(`/${chunk}`)),
      `${chunk} is loaded at the first API request`,
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    await rm(dir, { recursive: true, force: true });
  }
});

test('a /v2 path with a method the /v2 API has no handler for is refused by the first instance', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const berth = await buildApp(
    loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'silent' } }),
    pino({ level: 'silent' }),
    { deferBackground: true },
  );
  try {
    for (const [method, url, status] of [
      ['OPTIONS', '/v2/', 405],
      ['OPTIONS', '/v2/a/b/manifests/latest', 405],
      ['TRACE', '/v2/a/blobs/uploads/', 405],
      ['OPTIONS', '/v2/no/such/thing', 404],
      ['OPTIONS', '/v2', 405],
    ] as const) {
      const r = await berth.app.inject({ method, url });
      assert.equal(r.statusCode, status, `${method} ${url}`);
      assert.equal(r.json().errors[0].code, 'UNSUPPORTED', `${method} ${url}: the OCI error body`);
      assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
    }
    assert.equal(berth.management.started(), false, 'no /v2 request builds the management API');
  } finally {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('berth serve: requests made while the features are being wired wait for them (no guard skipped)', async () => {
  const root = join(import.meta.dirname, '..');
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const start = () =>
    spawn(process.execPath, [join(root, 'dist/bundle/main.js'), 'serve', '--host', '127.0.0.1'], {
      env: { ...process.env, BERTH_AUTH: 'off', BERTH_DATA: join(dir, 'data'), BERTH_PORT: `${port}` },
      stdio: 'ignore',
    });
  const stop = async (server: ReturnType<typeof start>) => {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  };
  const manifest = async (config: string) => {
    const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const up = await fetch(`${base}/v2/lib/frozen/blobs/uploads/?digest=${digest}`, { method: 'POST', body: config });
    assert.equal(up.status, 201);
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length },
      layers: [],
    });
  };
  const put = (body: string) =>
    fetch(`${base}/v2/lib/frozen/manifests/v1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body,
    }).then(
      (r) => r.status,
      () => 0,
    );
  let server = start();
  try {
    // A tag made immutable by a rule of the lifecycle feature (a guard added when the features are wired).
    await waitFor(`${base}/v2/`, server);
    const json = { 'content-type': 'application/json' };
    const project = await fetch(`${base}/api/v2.0/projects`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ project_name: 'lib' }),
    });
    assert.equal(project.status, 201);
    assert.equal(await put(await manifest('{}')), 201);
    const other = await manifest('{"a":1}');
    const rule = await fetch(`${base}/api/v2.0/projects/lib/immutabletagrules`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      }),
    });
    assert.equal(rule.status, 201, await rule.text());
    assert.equal(await put(other), 412);
    await stop(server);
    // From the first moment the next start's port answers, moving the tag is refused: never a 201.
    server = start();
    const seen: number[] = [];
    for (let i = 0; i < 3000 && seen.length < 3; i++) {
      assert.equal(server.exitCode, null, 'the server exited');
      const status = await put(other);
      if (status) seen.push(status);
      else await new Promise((done) => setTimeout(done, 2));
    }
    assert.deepEqual(seen, [412, 412, 412]);
    // The management API, asked as early, answers too (its build waits for the features).
    assert.equal((await fetch(`${base}/api/v2.0/systeminfo`)).status, 200);
  } finally {
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  }
});

test('berth serve: SIGTERM right at the first answer (the features still being wired) stops cleanly', async () => {
  const root = join(import.meta.dirname, '..');
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-'));
  const port = await freePort();
  const server = spawn(process.execPath, [join(root, 'dist/bundle/main.js'), 'serve', '--host', '127.0.0.1'], {
    env: { ...process.env, BERTH_AUTH: 'off', BERTH_DATA: join(dir, 'data'), BERTH_PORT: `${port}` },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 3000; i++) {
      assert.equal(server.exitCode, null, 'the server exited');
      const status = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((done) => setTimeout(done, 2));
    }
    server.kill('SIGTERM');
    const [code, signal] = await once(server, 'exit');
    assert.deepEqual([code, signal], [0, null], 'the signal is handled (graceful stop, exit 0), not fatal');
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('the bundle: what a start compiles holds neither the features nor the schema compilers', async () => {
  const bundle = join(import.meta.dirname, '../dist/bundle');
  const files = await readdir(bundle);
  const chunk = (name: string) => {
    const found = files.find((f) => new RegExp(`^${name}-[^.]+\\.js$`).test(f));
    assert.ok(found, `dist/bundle has a ${name} chunk (npm run build)`);
    return found;
  };
  // The chunks a chunk imports statically: compiled and evaluated with it.
  const walk = async (entries: string[]): Promise<string> => {
    const reached = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = await readFile(join(bundle, file), 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*)"\.\/([^"]+\.js)"/g)) await visit(m[1]);
    };
    for (const entry of entries) await visit(entry);
    return (await Promise.all([...reached].map((f) => readFile(join(bundle, f), 'utf8')))).join('\n');
  };
  // Until the port is bound and answers version checks: main.js and the serve chunk.
  const door = await walk(['main.js', chunk('serve')]);
  assert.ok(door.includes('is already in use: stop what listens there'), 'the walk reaches the door');
  for (const absent of ['node_modules/fastify/fastify.js', 'Kysely', 'node_modules/pino/pino.js'])
    assert.ok(!door.includes(absent), `${absent} is not loaded before the port answers`);
  // Until the whole registry answers: those and the app chunk, still without the features.
  const whole = await walk(['main.js', chunk('serve'), chunk('serve-app')]);
  assert.ok(whole.includes('node_modules/fastify/fastify.js'), 'the walk reaches the server');
  for (const absent of ['node_modules/ajv/', 'node_modules/fast-json-stringify/index.js', 'kube reconcile failed'])
    assert.ok(!whole.includes(absent), `${absent} is not in the chunks a start loads`);
});

async function waitFor(url: string, server: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 600; i++) {
    assert.equal(server.exitCode, null, 'the server exited');
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  assert.fail(`${url} did not answer 200`);
}
