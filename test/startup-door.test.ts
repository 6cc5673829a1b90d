/**
 * The door `berth serve` binds before loading the app (src/server/door.ts):
 * it answers a client's version check exactly as the app's /v2 routes do,
 * holds every other request (and any version check that carries credentials)
 * until the app takes the listener over, then steps aside; what it answered
 * reaches the app's access log and metrics.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { type EarlyAnswer, openDoor } from '../src/server/door.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function ask(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const settle = () => new Promise((done) => setTimeout(done, 50));

test('the door answers version checks once open, holds the rest, hands everything over in order', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-door-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_HOST: '127.0.0.1', BERTH_PORT: '0' } });
  const door = await openDoor(config);
  t.after(() => door.server.close());
  const { port } = door.server.address() as { port: number };
  assert.equal(door.server.listenerCount('error'), 0, 'the failure-to-bind handler is gone once bound');
  // Bound but not open (the folders not checked yet): even a version check waits.
  const early = ask(port, '/v2/');
  await settle();
  assert.equal(door.waiting(), 1);
  door.open();
  assert.equal((await early).status, 200, 'the waiting version check is answered at open');
  assert.equal((await ask(port, '/v2/?ns=docker.io', 'HEAD')).status, 200, 'HEAD and the mirror query too');
  const order: string[] = [];
  const catalog = ask(port, '/v2/_catalog');
  const api = ask(port, '/api/v2.0/projects', 'POST');
  await settle();
  assert.equal(door.waiting(), 2, 'other requests wait');
  const answers: EarlyAnswer[] = [];
  door.handOver(
    (req, res) => {
      order.push(`${req.method} ${req.url}`);
      res.end('app');
    },
    (a) => answers.push(a),
  );
  assert.equal((await catalog).body, 'app');
  assert.equal((await api).body, 'app');
  assert.deepEqual(order, ['GET /v2/_catalog', 'POST /api/v2.0/projects'], 'held requests go first, in order');
  assert.equal((await ask(port, '/v2/')).body, 'app', 'after the hand-over the app answers version checks too');
  assert.deepEqual(
    answers.map((a) => [a.method, a.path, a.status]),
    [
      ['GET', '/v2/', 200],
      ['HEAD', '/v2/', 200],
    ],
    'what the door answered, for the access log and the metrics',
  );
  assert.ok(answers.every((a) => a.bytes > 0 && a.ms >= 0));
});

test('with authentication on, the door challenges anonymous version checks and holds those with credentials', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-door-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = loadConfig({ env: { BERTH_DATA: dir, BERTH_HOST: '127.0.0.1', BERTH_PORT: '0' } });
  const door = await openDoor(config);
  t.after(() => door.server.close());
  door.open();
  const { port } = door.server.address() as { port: number };
  const anonymous = await ask(port, '/v2/');
  assert.equal(anonymous.status, 401);
  assert.equal(
    anonymous.headers['www-authenticate'],
    `Bearer realm="http://127.0.0.1:${port}/service/token",service="berth"`,
  );
  const withToken = ask(port, '/v2/', 'GET', { authorization: 'Bearer x' });
  await settle();
  assert.equal(door.waiting(), 1, 'credentials are checked by the app, never waved through');
  door.handOver(
    (_req, res) => {
      res.statusCode = 401;
      res.end('app');
    },
    () => undefined,
  );
  assert.equal((await withToken).body, 'app');
});

/** The headers that make the answer (Date and the connection's differ by nature). */
function comparable(a: Answer): [number, string, Array<[string, unknown]>] {
  const skip = new Set(['date', 'connection', 'keep-alive']);
  const headers = Object.entries(a.headers)
    .filter(([name]) => !skip.has(name))
    .sort(([x], [y]) => x.localeCompare(y));
  return [a.status, a.body, headers];
}

for (const auth of ['off', 'on'] as const)
  test(`the door's version-check answers are the app's own (authentication ${auth})`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-door-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const env = {
      BERTH_DATA: dir,
      BERTH_HOST: '127.0.0.1',
      BERTH_PORT: '0',
      BERTH_LOG_LEVEL: 'silent',
      ...(auth === 'off' ? { BERTH_AUTH: 'off' } : {}),
    };
    const config = loadConfig({ env });
    const door = await openDoor(config);
    t.after(() => door.server.close());
    door.open();
    const berth = await buildApp(
      loadConfig({ env: { ...env, BERTH_DATA: join(dir, 'app') } }),
      pino({ level: 'silent' }),
    );
    t.after(() => berth.close());
    await berth.app.listen({ host: '127.0.0.1', port: 0 });
    const ports = [door.server.address(), berth.app.server.address()].map((a) => (a as { port: number }).port);
    for (const [method, path] of [
      ['GET', '/v2/'],
      ['HEAD', '/v2/'],
    ]) {
      // The same Host header for both, so the challenge's realm is the same.
      const host = { host: 'registry.example:5000' };
      const [atDoor, atApp] = await Promise.all(ports.map((port) => ask(port, path, method, host)));
      assert.deepEqual(comparable(atDoor), comparable(atApp), `${method} ${path}`);
      assert.equal(atDoor.status, auth === 'off' ? 200 : 401);
    }
  });

test('berth serve: a registry that cannot start (database unreachable) exits 1 and says why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-door-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = join(import.meta.dirname, '..');
  const child = spawn(process.execPath, [join(root, 'dist/bundle/main.js'), 'serve', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      BERTH_AUTH: 'off',
      BERTH_LOG_LEVEL: 'fatal',
      BERTH_DATA: dir,
      BERTH_PORT: '0',
      BERTH_DATABASE_DRIVER: 'postgres',
      // Nothing listens on port 1: the pool's first connection is refused.
      BERTH_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/berth',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /^berth: .*ECONNREFUSED 127\.0\.0\.1:1/m, 'the one-line reason names the cause');
});
