/**
 * Serving: TLS with HTTP/2 and HTTP/1.1 by ALPN (curl, skopeo and podman
 * pulling over TLS with the CA verified), certificate reload on SIGHUP, and
 * the limits (per-client rate → 429 TOOMANYREQUESTS + Retry-After, maximum
 * connections held, concurrent uploads), each seen in /metrics.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { type ClientHttp2Session, connect as h2connect } from 'node:http2';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { BERTH_BIN, ensureBuilt, freePort } from '../support/berth.ts';
import { ContainerTool } from '../support/container-tools.ts';
import { buildBusyboxImage, OciLayout, removeDir, Skopeo, tempDir } from '../support/images.ts';

function makeCert(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

interface Started {
  child: ChildProcess;
  port: number;
  log: string[];
  stop(): Promise<number | null>;
}

async function startBerth(args: string[], env: Record<string, string>): Promise<Started> {
  ensureBuilt();
  const port = await freePort();
  const child = spawn(process.execPath, [BERTH_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), ...args], {
    env: { ...process.env, BERTH_AUTH: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(...d.toString().split('\n')));
  child.stderr?.on('data', (d: Buffer) => log.push(...d.toString().split('\n')));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  for (let i = 0; i < 200; i++) {
    if (log.some((l) => l.includes('berth is listening'))) break;
    if (child.exitCode !== null) throw new Error(`berth exited: ${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    port,
    log,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

function curl(args: string[]): string {
  return execFileSync('curl', ['-s', '-S', ...args], { encoding: 'utf8' });
}

/** The certificate a TLS handshake presents, as PEM-independent fingerprint. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      res(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.end();
    });
    s.on('error', rej);
  });
}

describe('TLS and HTTP/2', () => {
  let dir: string;
  let berth: Started;
  let pem: { cert: string; key: string };
  before(async () => {
    dir = await tempDir('berth-tls-');
    pem = makeCert(dir, 'first');
    await copyFile(pem.cert, join(dir, 'live.crt'));
    await copyFile(pem.key, join(dir, 'live.key'));
    berth = await startBerth(
      ['--data', join(dir, 'data'), '--tls-cert', join(dir, 'live.crt'), '--tls-key', join(dir, 'live.key')],
      {},
    );
  });
  after(async () => {
    await berth?.stop();
    await removeDir(dir);
  });

  test('curl gets HTTP/2 when it offers h2 and HTTP/1.1 when it does not', () => {
    const url = `https://127.0.0.1:${berth.port}/v2/`;
    assert.equal(
      curl(['--http2', '--cacert', pem.cert, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', url]),
      '2 200',
    );
    assert.equal(
      curl(['--http1.1', '--cacert', pem.cert, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', url]),
      '1.1 200',
    );
    // Plain HTTP on the TLS port is refused, not served.
    assert.throws(() => curl(['--max-time', '3', `http://127.0.0.1:${berth.port}/v2/`]));
  });

  test('skopeo pushes and pulls over TLS (verified with the CA) and podman pulls it', async () => {
    const skopeo = await Skopeo.create();
    const certs = join(dir, 'certs.d');
    await mkdir(certs);
    await copyFile(pem.cert, join(certs, 'ca.crt'));
    const layout = await OciLayout.create(join(dir, 'layout'));
    await buildBusyboxImage(layout, 'v1', { unique: true });
    const ref = `docker://127.0.0.1:${berth.port}/tls/busybox:v1`;
    try {
      await skopeo.ok(['copy', '--dest-tls-verify=true', '--dest-cert-dir', certs, `oci:${layout.dir}:v1`, ref]);
      await skopeo.ok(['copy', '--src-tls-verify=true', '--src-cert-dir', certs, ref, `oci:${join(dir, 'pulled')}:v1`]);
      const a = await readFile(join(layout.dir, 'index.json'), 'utf8');
      const b = await readFile(join(dir, 'pulled', 'index.json'), 'utf8');
      assert.equal(JSON.parse(a).manifests[0].digest, JSON.parse(b).manifests[0].digest);
      // Without the CA, verification fails: TLS really is verified.
      const refused = await skopeo.run(['inspect', '--tls-verify=true', ref]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /certificate/i);
      const podman = await ContainerTool.create('podman', join(dir, 'podman'));
      try {
        await podman.ok(['pull', '--cert-dir', certs, `127.0.0.1:${berth.port}/tls/busybox:v1`]);
      } finally {
        await podman.destroy();
      }
    } finally {
      await skopeo.cleanup();
    }
    // The server writes its log in batches (at least once a second): wait for the lines.
    const logged = () => berth.log.filter((l) => l.includes('"path":"/v2/tls/busybox/manifests/v1"'));
    for (let i = 0; i < 50 && logged().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const proto = logged();
    assert.ok(proto.length > 0, 'requests were logged');
  });

  test('SIGHUP reloads the certificate without dropping the listener', async () => {
    const before = await servedFingerprint(berth.port);
    const second = makeCert(dir, 'second');
    await copyFile(second.cert, join(dir, 'live.crt'));
    await copyFile(second.key, join(dir, 'live.key'));
    berth.child.kill('SIGHUP');
    let now = before;
    for (let i = 0; i < 50 && now === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await servedFingerprint(berth.port);
    }
    assert.notEqual(now, before);
    assert.equal(now, new X509Certificate(await readFile(second.cert)).fingerprint256);
    assert.equal(
      curl([
        '--http2',
        '--cacert',
        second.cert,
        '-o',
        '/dev/null',
        '-w',
        '%{http_version}',
        `https://127.0.0.1:${berth.port}/v2/`,
      ]),
      '2',
    );
  });

  test('stops cleanly on SIGTERM', async () => {
    const code = await berth.stop();
    assert.equal(code, 0);
  });
});

/** One HTTP/2 request on `session`; `read: false` leaves the body unread (its stream then stalls). */
function h2request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: Buffer,
  read = true,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    stream.on('error', reject);
    stream.on('response', (h) => {
      if (read) stream.resume();
      resolve({ status: Number(h[':status']), headers: h });
    });
    stream.end(body);
  });
}

describe('TLS shutdown', () => {
  let dir: string;
  let pem: { cert: string; key: string };
  before(async () => {
    dir = await tempDir('berth-tls-stop-');
    pem = makeCert(dir, 'stop');
  });
  after(() => removeDir(dir));

  const start = (name: string, timeout: string) =>
    startBerth(['--data', join(dir, name), '--tls-cert', pem.cert, '--tls-key', pem.key], {
      BERTH_SHUTDOWN_TIMEOUT: timeout,
    });
  const stopped = (berth: Started) => {
    const line = berth.log.find((l) => l.includes('"msg":"stopped"'));
    return line ? JSON.parse(line).outcome : undefined;
  };

  test('an idle HTTP/2 client does not hold the stop', async () => {
    const berth = await start('idle', '20');
    const session = h2connect(`https://127.0.0.1:${berth.port}`, { ca: await readFile(pem.cert) });
    session.on('error', () => {});
    try {
      assert.equal((await h2request(session, { ':path': '/v2/' })).status, 200);
      const t0 = Date.now();
      const code = await berth.stop();
      assert.equal(code, 0);
      assert.ok(Date.now() - t0 < 3000, `stopped after ${Date.now() - t0} ms with an idle session open`);
      assert.equal(stopped(berth), 'clean');
    } finally {
      session.destroy();
      berth.child.kill('SIGKILL');
    }
  });

  test('an idle HTTP/1.1 keep-alive client over TLS does not hold the stop', async () => {
    const berth = await start('idle1', '20');
    // Node's HTTPS client offers no ALPN protocol: the server answers it in HTTP/1.1.
    const agent = new HttpsAgent({ keepAlive: true, ca: await readFile(pem.cert) });
    try {
      const answer = await new Promise<string>((resolve, reject) =>
        httpsGet(`https://127.0.0.1:${berth.port}/v2/`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(`${res.httpVersion} ${res.statusCode}`));
        }).on('error', reject),
      );
      assert.equal(answer, '1.1 200');
      const t0 = Date.now();
      assert.equal(await berth.stop(), 0);
      assert.ok(Date.now() - t0 < 3000, `stopped after ${Date.now() - t0} ms with a kept-alive connection open`);
      assert.equal(stopped(berth), 'clean');
    } finally {
      agent.destroy();
      berth.child.kill('SIGKILL');
    }
  });

  test('a download that outlasts the shutdown timeout is cut, and the server exits 0', async () => {
    const berth = await start('late', '1');
    const session = h2connect(`https://127.0.0.1:${berth.port}`, { ca: await readFile(pem.cert) });
    session.on('error', () => {});
    try {
      const blob = Buffer.alloc(8 * 1024 * 1024, 5);
      const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
      const started = await h2request(session, { ':method': 'POST', ':path': '/v2/stop/late/blobs/uploads/' });
      assert.equal(started.status, 202);
      const target = new URL(String(started.headers.location), 'https://x');
      target.searchParams.set('digest', digest);
      const put = await h2request(
        session,
        {
          ':method': 'PUT',
          ':path': `${target.pathname}${target.search}`,
          'content-type': 'application/octet-stream',
          'content-length': String(blob.length),
        },
        blob,
      );
      assert.equal(put.status, 201);
      // Headers come, the body is never read: the stream stays in flight past the shutdown timeout.
      const get = await h2request(session, { ':path': `/v2/stop/late/blobs/${digest}` }, undefined, false);
      assert.equal(get.status, 200);
      const code = await berth.stop();
      assert.equal(code, 0);
      assert.equal(stopped(berth), 'forced');
    } finally {
      session.destroy();
      berth.child.kill('SIGKILL');
    }
  });
});

describe('limits', () => {
  let dir: string;
  let berth: Started;
  before(async () => {
    dir = await tempDir('berth-limits-');
    berth = await startBerth(['--data', join(dir, 'data')], {
      BERTH_RATE_LIMIT: '5',
      BERTH_RATE_BURST: '10',
      BERTH_MAX_CONNECTIONS: '4',
      BERTH_MAX_UPLOADS: '1',
    });
  });
  after(async () => {
    await berth?.stop();
    await removeDir(dir);
  });

  test('a client over its rate gets 429 TOOMANYREQUESTS with Retry-After', async () => {
    const url = `http://127.0.0.1:${berth.port}/v2/`;
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 25; i++) {
      const r = await fetch(url);
      statuses.push(r.status);
      if (r.status === 429 && !refused) refused = r;
      else await r.arrayBuffer();
    }
    assert.ok(statuses.filter((s) => s === 200).length >= 10, `burst of 10 served: ${statuses}`);
    assert.ok(refused, `some requests refused: ${statuses}`);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const body = (await refused.json()) as { errors: { code: string }[] };
    assert.equal(body.errors[0].code, 'TOOMANYREQUESTS');
    await new Promise((r) => setTimeout(r, 2500)); // the bucket refills at 5/s
    assert.equal((await fetch(url)).status, 200);
  });

  test('at most max_connections are held; the next is closed and counted', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const held: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = connect(berth.port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const extra = connect(berth.port, '127.0.0.1');
    // Closed on accept: an end or a reset, depending on timing.
    extra.on('error', () => {});
    const closed = await new Promise<boolean>((res) => {
      extra.once('close', () => res(true));
      extra.once('data', () => res(false));
      extra.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(() => res(false), 3000);
    });
    assert.ok(closed, 'the fifth connection was closed without an answer');
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const metrics = await (await fetch(`http://127.0.0.1:${berth.port}/metrics`)).text();
    assert.match(metrics, /berth_limit_refusals_total\{limit="max_connections"\} [1-9]/);
    assert.match(metrics, /berth_limit_refusals_total\{limit="rate"\} [1-9]/);
    assert.match(metrics, /berth_limit\{limit="max_connections"\} 4/);
    assert.match(metrics, /berth_connections_open \d/);
  });

  test('a second upload while one is sending its body gets 429', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const base = `http://127.0.0.1:${berth.port}/v2/lim/blob/blobs/uploads/`;
    const start = await fetch(base, { method: 'POST' });
    assert.equal(start.status, 202);
    const location = new URL(start.headers.get('location') as string, base).toString();
    // A chunk whose body never ends: the upload stays in flight.
    const url = new URL(location);
    const slow = connect(Number(url.port), url.hostname);
    await new Promise((r) => slow.once('connect', r));
    slow.write(
      `PATCH ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nabc`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const second = await fetch(base, { method: 'POST' });
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '1');
    slow.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const third = await fetch(base, { method: 'POST' });
    assert.equal(third.status, 202);
    const metrics = await (await fetch(`http://127.0.0.1:${berth.port}/metrics`)).text();
    assert.match(metrics, /berth_limit_refusals_total\{limit="max_concurrent_uploads"\} 1/);
  });
});
