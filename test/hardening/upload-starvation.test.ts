/**
 * Issue 14 (High): slow uploads must not starve the others, stalled
 * connections are cut with a log line, and SIGTERM ends in bounded time.
 * Runs the built server (bin/berth.js) as a process.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RegistryServer } from '../support/berth.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('uploads under slow clients', { timeout: 120_000 }, () => {
  let server: RegistryServer;
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  before(async () => {
    server = await RegistryServer.start({
      kind: 'berth',
      env: {
        BERTH_AUTH: 'off',
        BERTH_IDLE_TIMEOUT: '3',
        BERTH_HEADERS_TIMEOUT: '2',
        BERTH_SHUTDOWN_TIMEOUT: '2',
      },
    });
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await server.cleanup();
  });

  const raw = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect(server.port, '127.0.0.1', () => resolve(s)).on('error', reject);
      s.on('error', () => {});
      sockets.push(s);
    });

  /** A PATCH whose body trickles in: 1 KiB now, 16 bytes every 400 ms (never idle long enough to be cut). */
  async function trickle(repo: string): Promise<Socket> {
    const start = await fetch(`${server.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const path = new URL(start.headers.get('location') as string, server.url).pathname;
    const s = await raw();
    s.write(
      `PATCH ${path} HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000000\r\n\r\n`,
    );
    s.write(randomBytes(1024));
    timers.push(setInterval(() => s.writable && s.write(randomBytes(16)), 400));
    return s;
  }

  it('twelve trickling uploads leave room for a normal push, which completes', async () => {
    for (let i = 0; i < 12; i++) await trickle(`slow/u${i}`);
    await new Promise((r) => setTimeout(r, 500));
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const digest = sha(data);
    const res = await fetch(`${server.url}/v2/fast/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: data,
      signal: AbortSignal.timeout(15_000),
    });
    assert.equal(res.status, 201, await res.text());
    const get = await fetch(`${server.url}/v2/fast/app/blobs/${digest}`);
    assert.equal(sha(Buffer.from(await get.arrayBuffer())), digest);
  });

  it('a connection that stops sending mid-body is closed after the idle timeout, with a log line', async () => {
    const start = await fetch(`${server.url}/v2/idle/app/blobs/uploads/`, { method: 'POST' });
    const path = new URL(start.headers.get('location') as string, server.url).pathname;
    const s = await raw();
    const closed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      s.once('close', () => resolve(Date.now() - t0));
    });
    s.write(`PATCH ${path} HTTP/1.1\r\nHost: ${server.host}\r\nContent-Length: 1000000\r\n\r\n`);
    s.write(Buffer.alloc(100));
    const ms = await closed;
    assert.ok(ms >= 2_000 && ms < 10_000, `closed after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1_200)); // the log is flushed once a second
    assert.ok(
      server.logs().some((l) => /no bytes moved for 3 s/.test(String(l.msg))),
      'a log line names the idle cut',
    );
  });

  it('a client that never finishes its headers gets cut after the headers timeout', async () => {
    const s = await raw();
    const t0 = Date.now();
    const closed = new Promise<string>((resolve) => {
      let text = '';
      s.on('data', (d) => (text += d));
      s.once('close', () => resolve(text));
    });
    s.write(`GET /v2/ HTTP/1.1\r\nHost: ${server.host}\r\nX-Slow: `);
    const answer = await closed;
    const ms = Date.now() - t0;
    assert.ok(ms < 8_000, `closed after ${ms} ms`);
    assert.match(answer, /^HTTP\/1\.1 408|^$/);
  });

  it('SIGTERM with uploads in flight ends within the shutdown timeout', async () => {
    for (let i = 0; i < 3; i++) await trickle(`slow/late${i}`);
    const t0 = Date.now();
    const exit = await server.stop(30_000);
    const ms = Date.now() - t0;
    assert.equal(exit.signal, null, 'exited by itself, not killed');
    assert.equal(exit.code, 0);
    assert.ok(ms < 12_000, `stopped after ${ms} ms`);
  });
});
