/** The server process: access log lines, graceful shutdown with an upload in flight, restart. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

/** `node bin/berth.js serve …`, or with `launcher` the script run directly, as `npm start` and `npx berth` do. */
async function serve(
  dataDir: string,
  launcher = false,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir];
  const env = { ...process.env, BERTH_AUTH: 'off', ...extraEnv };
  const child = launcher
    ? spawn('bin/berth.js', args, { env })
    : spawn(process.execPath, ['bin/berth.js', ...args], { env });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    out += c;
  });
  for (let i = 0; i < 100 && !/"address":"(http:[^"]+)"/.test(out); i++) await sleep(50);
  const m = /"address":"(http:[^"]+)"/.exec(out);
  assert.ok(m, `server did not start: ${out}`);
  return { child, url: m[1], output: () => out };
}

describe('server lifecycle', () => {
  let dataDir: string;
  after(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the launcher runs the server in Node with its V8 settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-launcher-'));
    const server = await serve(dir, true);
    try {
      assert.equal((await fetch(`${server.url}/v2/`)).status, 200);
      // env -S execs node in place: the child's own command line carries the flag.
      const cmdline = (await readFile(`/proc/${server.child.pid}/cmdline`, 'utf8')).split('\0');
      assert.match(cmdline[0], /node$/);
      assert.ok(cmdline.includes('--max-semi-space-size=4'), cmdline.join(' '));
      assert.ok(cmdline.includes('--v8-pool-size=1'), cmdline.join(' '));
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finishes an upload in flight on SIGTERM, refuses new work, logs each request, and resumes after restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-life-'));
    const first = await serve(dataDir);
    const start = await fetch(`${first.url}/v2/life/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const location = start.headers.get('location') as string;

    // A chunk sent slowly: SIGTERM arrives while it is being received.
    const chunk = Buffer.alloc(64 * 1024, 7);
    const target = new URL(location, first.url);
    const req = request(target, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `0-${chunk.length * 5 - 1}`,
        'content-length': chunk.length * 5,
      },
    });
    const response = once(req, 'response');
    req.write(chunk);
    await sleep(200);
    first.child.kill('SIGTERM');
    await sleep(200);
    await assert.rejects(fetch(`${first.url}/v2/`), 'no new connections once stopping');
    for (let i = 0; i < 4; i++) {
      req.write(chunk);
      await sleep(100);
    }
    req.end();
    const [res] = (await response) as [import('node:http').IncomingMessage];
    assert.equal(res.statusCode, 202);
    assert.equal(res.headers.range, `0-${chunk.length * 5 - 1}`);
    res.resume();
    const [code] = await once(first.child, 'exit');
    assert.equal(code, 0);

    const lines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const patch = lines.find((l) => l.method === 'PATCH');
    assert.ok(patch, 'a log line for the PATCH');
    assert.equal(patch.status, 202);
    assert.equal(patch.path, target.pathname);
    assert.equal(typeof patch.ms, 'number');
    assert.ok(patch.ms >= 500, 'the duration covers the slow body');
    assert.ok(lines.some((l) => l.msg === 'stopped'));

    // The session survives the restart with its bytes.
    const second = await serve(dataDir);
    try {
      const status = await fetch(new URL(target.pathname, second.url));
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), `0-${chunk.length * 5 - 1}`);
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }
  });

  it('stops as soon as a download in flight on SIGTERM ends, though its connection was kept alive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-life-'));
    // Far above what the test waits: a stop that waits for the shutdown timeout fails it.
    const server = await serve(dir, false, { BERTH_SHUTDOWN_TIMEOUT: '20' });
    const agent = new Agent({ keepAlive: true });
    try {
      const blob = Buffer.alloc(32 * 1024 * 1024, 3);
      const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
      const started = await fetch(`${server.url}/v2/life/dl/blobs/uploads/`, { method: 'POST' });
      const target = new URL(started.headers.get('location') as string, server.url);
      target.searchParams.set('digest', digest);
      const put = await fetch(target, {
        method: 'PUT',
        body: blob,
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(put.status, 201);

      // The response's headers (keep-alive) are out and its body is held up by the client: SIGTERM comes then.
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
        get(`${server.url}/v2/life/dl/blobs/${digest}`, { agent }, resolve).on('error', reject),
      );
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers.connection, 'keep-alive');
      res.pause();
      await sleep(300);
      server.child.kill('SIGTERM');
      // Long enough for the stop to say what it waits for.
      await sleep(1500);
      const hash = createHash('sha256');
      res.on('data', (c) => hash.update(c));
      res.resume();
      await once(res, 'end');
      const ended = Date.now();
      assert.equal(`sha256:${hash.digest('hex')}`, digest, 'the download in flight is finished whole');
      const [code] = await once(server.child, 'exit');
      assert.equal(code, 0);
      assert.ok(Date.now() - ended < 3000, `stopped ${Date.now() - ended} ms after the last response ended`);
      const lines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      assert.equal(lines.find((l) => l.msg === 'stopped')?.outcome, 'clean');
      const waiting = lines.find((l) => l.msg === 'stopping: waiting for 1 request in flight');
      assert.ok(waiting, 'the stop said what it waited for');
      assert.deepEqual(waiting.requests, [`GET /v2/life/dl/blobs/${digest}`]);
    } finally {
      agent.destroy();
      server.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
