/**
 * Issue 14: security headers on the console and the APIs; a client that
 * disconnects mid-download or mid-upload is logged as aborted, not as an error.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { type Berth, buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('security headers and aborted requests', () => {
  let berth: Berth;
  let url = '';
  let port = 0;
  let dir = '';
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-aborts-'));
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig({ env: { BERTH_AUTH: 'off', BERTH_DATA: dir, BERTH_PORT: '0' } });
    berth = await buildApp(config, pino({ level: 'info' }, sink));
    url = await berth.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(url).port);
  });
  after(async () => {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sets security headers on the console, the management API and /v2', async () => {
    for (const path of ['/', '/projects', '/api/v2.0/health', '/v2/', '/v2/team/app/manifests/nope']) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin', path);
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/, path);
      if (path.startsWith('/v2')) {
        // Registry answers (user content): nothing may load or run, and the document-only headers are left off.
        assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'; sandbox");
        assert.equal(res.headers.get('referrer-policy'), null, path);
      } else {
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      }
    }
  });

  it('a download or upload the client abandons is logged as aborted, never as an error', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    const push = await fetch(`${url}/v2/team/app/blobs/uploads/?digest=${sha(data)}`, {
      method: 'POST',
      body: new Uint8Array(data),
    });
    assert.equal(push.status, 201);
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(`GET /v2/team/app/blobs/${sha(data)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      s.once('data', () => {
        s.destroy();
        resolve();
      });
    });
    const start = await fetch(`${url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    const path = new URL(start.headers.get('location') as string, url).pathname;
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(`PATCH ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`);
        s.write(Buffer.alloc(100_000));
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 200);
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    const errors = lines.filter((l) => (l.level as number) >= 50);
    assert.deepEqual(errors, []);
    const aborted = lines.filter((l) => l.aborted === true);
    assert.ok(aborted.length >= 1, JSON.stringify(lines.slice(-5)));
    assert.ok(aborted.every((l) => /aborted/.test(String(l.msg))));
  });
});
