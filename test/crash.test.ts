/**
 * Crash safety: kill -9 the server in the middle of a large chunked upload, a
 * streamed upload, a monolithic upload and a manifest push; restart it on the
 * same data. `berth fsck` must be clean (on the crashed data, before the
 * restart, and again at the end), nothing torn may be visible (the blob is
 * 404 until completed, the half-pushed manifest's tag does not exist), and the
 * interrupted upload can be resumed from the offset the server reports, or
 * restarted from scratch, giving a byte-identical blob.
 *
 * A second part walks the crash points of single requests: strace attaches to
 * the server and SIGKILLs it at the n-th entry into each durable system call
 * (open, ftruncate, fsync, rename, unlink, SQLite's pwrite64) of a closing
 * PUT, a chunk PATCH, a session DELETE and a manifest PUT (needs root and `strace`).
 *
 * Run: node --import tsx --test test/crash.test.ts
 * (BERTH_TEST_SERVER=distribution runs the same tests against docker-registry,
 * with `garbage-collect --dry-run` standing in for fsck.)
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RegistryServer, startServer } from './support/berth.ts';
import { armCrash, faultInjectionUnavailable } from './support/faults.ts';
import {
  assertSameImage,
  buildRandomImage,
  MT,
  OciLayout,
  readLayoutImage,
  removeDir,
  Skopeo,
  sha256,
  tempDir,
} from './support/images.ts';
import { RecordingProxy } from './support/proxy.ts';

const MiB = 1024 * 1024;
const T = { timeout: 300_000 };

const servers: RegistryServer[] = [];
async function server(): Promise<RegistryServer> {
  const s = await startServer();
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.cleanup();
});
after(async () => {
  for (const s of servers.splice(0)) await s.cleanup();
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends `body` with node:http in `piece`-sized writes (waiting for drain).
 * Once `at` bytes were written it pauses, lets the server read them, and runs
 * `action` (kill -9, SIGTERM, …); then it abandons the request (the default,
 * after a kill) or, with `abort: false`, goes on writing the rest.
 */
function send(
  srv: RegistryServer,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body: Buffer,
  opts: { piece?: number; at?: number; action?: () => Promise<void>; abort?: boolean } = {},
): Promise<Reply | { error: Error; sent: number }> {
  const piece = opts.piece ?? MiB;
  const req = request(`${srv.url}${path}`, { method, headers, agent: false });
  let sent = 0;
  const reply = new Promise<Reply | { error: Error; sent: number }>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => resolve({ error, sent }));
    });
    req.on('error', (error) => resolve({ error, sent }));
  });
  const writer = (async () => {
    let acted = false;
    while (sent < body.length) {
      if (opts.at !== undefined && !acted && sent >= opts.at) {
        acted = true;
        await sleep(300); // let the server read and write what it was sent
        await opts.action?.();
        if (opts.abort !== false) {
          req.destroy();
          return;
        }
      }
      const chunk = body.subarray(sent, Math.min(sent + piece, body.length));
      const flushed = req.write(chunk);
      sent += chunk.length;
      if (!flushed) {
        const drained = await Promise.race([once(req, 'drain').then(() => true), reply.then(() => false)]);
        if (!drained) return;
      }
    }
    req.end();
  })();
  // Resolve only once the writer is done too (the action, a kill, has happened).
  return Promise.all([reply, writer]).then(([r]) => r);
}

function isReply(r: Reply | { error: Error; sent: number }): r is Reply {
  return 'status' in r;
}

async function http(
  srv: RegistryServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${srv.url}${path}`, { method, headers, body: body ? new Uint8Array(body) : undefined });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The path and query of an upload Location (absolute or relative). */
function locationPath(srv: RegistryServer, location: string | null | undefined): string {
  assert.ok(location, 'a Location header');
  const u = new URL(location, srv.url);
  return `${u.pathname}${u.search}`;
}

/** `path` with `key=value` added to its query. */
function withQuery(path: string, key: string, value: string): string {
  const u = new URL(path, 'http://x');
  u.searchParams.set(key, value);
  return `${u.pathname}${u.search}`;
}

async function startUpload(srv: RegistryServer, repo: string): Promise<string> {
  const r = await http(srv, 'POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(r.status, 202, `POST upload: ${r.body}`);
  return locationPath(srv, r.headers.get('location'));
}

/** Parses `Range: 0-N` (upload progress); returns the number of bytes stored (N+1). */
function rangeEnd(range: string | null | undefined): number {
  assert.ok(range, 'a Range header');
  const m = /^(?:bytes=)?0-(\d+)$/.exec(range);
  assert.ok(m, `Range header ${range}`);
  return Number(m[1]) + 1;
}

/** Streams a blob back and returns its sha256 digest and size. */
async function download(srv: RegistryServer, repo: string, digest: string): Promise<{ digest: string; size: number }> {
  const res = await fetch(`${srv.url}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200, `GET blob ${repo}@${digest}`);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

interface FsckReport {
  problems: { kind: string; subject: string; message: string; repaired?: boolean }[];
  notes: { kind: string; subject: string }[];
  blobsChecked: number;
  bytesChecked: number;
  manifestsChecked: number;
}

/** Runs fsck on the server's data dir and asserts it is clean; returns Berth's JSON report. */
async function assertFsckClean(srv: RegistryServer, when: string): Promise<FsckReport | null> {
  const r = await srv.fsck(srv.kind === 'berth' ? ['--json'] : []);
  assert.equal(r.code, 0, `fsck ${when} should be clean\n${r.stdout}\n${r.stderr}\n${srv.output()}`);
  if (srv.kind !== 'berth') return null;
  const report = JSON.parse(r.stdout) as FsckReport;
  assert.deepEqual(report.problems, [], `fsck ${when}: no problems`);
  return report;
}

async function assertBlobAbsent(srv: RegistryServer, repo: string, digest: string, when: string): Promise<void> {
  const head = await http(srv, 'HEAD', `/v2/${repo}/blobs/${digest}`);
  assert.equal(head.status, 404, `HEAD blob ${when}`);
  const get = await http(srv, 'GET', `/v2/${repo}/blobs/${digest}`);
  assert.equal(get.status, 404, `GET blob ${when}`);
}

describe('kill -9 during uploads and pushes', () => {
  test('a large chunked upload interrupted by kill -9 resumes from the reported offset', T, async (t) => {
    const t0 = Date.now();
    const lap = (what: string) => t.diagnostic(`${what}: ${Date.now() - t0} ms`);
    const srv = await server();
    const repo = 'crash/chunked';
    const data = randomBytes(256 * MiB);
    const digest = sha256(data);
    const chunk = 64 * MiB;

    const upload = await startUpload(srv, repo);
    let path = upload;
    for (let start = 0; start < 2 * chunk; start += chunk) {
      const r = await send(
        srv,
        'PATCH',
        path,
        {
          'content-type': 'application/octet-stream',
          'content-range': `${start}-${start + chunk - 1}`,
          'content-length': chunk,
        },
        data.subarray(start, start + chunk),
      );
      assert.ok(isReply(r), `PATCH ${start}: ${'error' in r ? r.error : ''}`);
      assert.equal(r.status, 202, `PATCH ${start}: ${r.body}`);
      assert.equal(rangeEnd(r.headers.range), start + chunk);
      path = locationPath(srv, r.headers.location);
    }
    const confirmed = 2 * chunk;
    lap('two chunks sent');

    // The third chunk (128 MiB) is being streamed when the server dies.
    const killAfter = 48 * MiB;
    const third = await send(
      srv,
      'PATCH',
      path,
      {
        'content-type': 'application/octet-stream',
        'content-range': `${confirmed}-${data.length - 1}`,
        'content-length': data.length - confirmed,
      },
      data.subarray(confirmed),
      { at: killAfter, action: () => srv.crash() },
    );
    assert.ok(!isReply(third), 'the interrupted PATCH got no answer');
    assert.equal(srv.running, false);

    lap('killed');
    await assertFsckClean(srv, 'on the data left by kill -9');
    lap('fsck');
    await srv.restart();
    lap('restarted');
    await assertBlobAbsent(srv, repo, digest, 'before the upload is complete');

    // The session survived: 204 with the offset to continue from.
    const status = await http(srv, 'GET', path);
    assert.equal(status.status, 204, `GET upload status after restart: ${status.body}`);
    const offset = rangeEnd(status.headers.get('range'));
    assert.ok(
      offset >= confirmed && offset <= confirmed + killAfter,
      `offset ${offset} is between what was confirmed (${confirmed}) and what was sent (${confirmed + killAfter})`,
    );
    t.diagnostic(`offset after restart: ${offset} (confirmed ${confirmed}, sent ${confirmed + killAfter})`);
    path = locationPath(srv, status.headers.get('location') ?? path);

    // A chunk that does not start at the reported offset is refused (416) and changes nothing.
    const wrong = await send(
      srv,
      'PATCH',
      path,
      {
        'content-type': 'application/octet-stream',
        'content-range': `${offset + 1}-${offset + 1024}`,
        'content-length': 1024,
      },
      data.subarray(offset + 1, offset + 1025),
    );
    assert.ok(isReply(wrong));
    assert.equal(wrong.status, 416, 'out-of-order chunk');

    const rest = await send(
      srv,
      'PATCH',
      path,
      {
        'content-type': 'application/octet-stream',
        'content-range': `${offset}-${data.length - 1}`,
        'content-length': data.length - offset,
      },
      data.subarray(offset),
    );
    assert.ok(isReply(rest), `resumed PATCH: ${'error' in rest ? rest.error : ''}`);
    assert.equal(rest.status, 202, `resumed PATCH: ${rest.body}`);
    assert.equal(rangeEnd(rest.headers.range), data.length);
    path = locationPath(srv, rest.headers.location);
    await assertBlobAbsent(srv, repo, digest, 'after the last chunk but before the closing PUT');

    lap('resumed');
    const put = await http(srv, 'PUT', withQuery(path, 'digest', digest));
    assert.equal(put.status, 201, `closing PUT: ${put.body}`);
    assert.equal(put.headers.get('docker-content-digest'), digest);
    lap('closing PUT');

    const head = await http(srv, 'HEAD', `/v2/${repo}/blobs/${digest}`);
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), data.length);
    assert.deepEqual(await download(srv, repo, digest), { digest, size: data.length }, 'the blob is byte-identical');
    assert.equal((await http(srv, 'GET', upload)).status, 404, 'the finished session is gone');

    lap('downloaded');
    await srv.stop();
    const report = await assertFsckClean(srv, 'after the resumed upload');
    if (report) {
      assert.ok(report.blobsChecked >= 1 && report.bytesChecked >= data.length, 'fsck really read the blob');
    }
    lap('fsck');
    await srv.restart();
    assert.deepEqual(await download(srv, repo, digest), { digest, size: data.length }, 'still whole after a restart');
  });

  test('an upload interrupted by kill -9 can be restarted from scratch and the old session cancelled', T, async () => {
    const srv = await server();
    const repo = 'crash/restart';
    const data = randomBytes(64 * MiB);
    const digest = sha256(data);

    // A streamed PATCH (no Content-Range, chunked transfer encoding) dies half way.
    const first = await startUpload(srv, repo);
    const streamed = await send(
      srv,
      'PATCH',
      first,
      { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      data,
      { at: 24 * MiB, action: () => srv.crash() },
    );
    assert.ok(!isReply(streamed));
    await assertFsckClean(srv, 'after kill -9 in a streamed PATCH');
    await srv.restart();
    await assertBlobAbsent(srv, repo, digest, 'after the crash');

    const old = await http(srv, 'GET', first);
    assert.equal(old.status, 204, 'the old session is still known');
    assert.ok(rangeEnd(old.headers.get('range')) <= 24 * MiB || old.headers.get('range') === '0-0');

    // Start over in a new session: one streamed PATCH and a closing PUT.
    const second = await startUpload(srv, repo);
    assert.notEqual(second, first);
    const whole = await send(
      srv,
      'PATCH',
      second,
      { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      data,
    );
    assert.ok(isReply(whole));
    assert.equal(whole.status, 202, `streamed PATCH: ${whole.body}`);
    assert.equal(rangeEnd(whole.headers.range), data.length);
    const put = await http(srv, 'PUT', withQuery(locationPath(srv, whole.headers.location), 'digest', digest));
    assert.equal(put.status, 201, `closing PUT: ${put.body}`);

    // The abandoned session can be cancelled; then it is unknown.
    const cancel = await http(srv, 'DELETE', first);
    assert.equal(cancel.status, 204, `DELETE the old session: ${cancel.body}`);
    const gone = await http(srv, 'GET', first);
    assert.equal(gone.status, 404);
    assert.equal(
      (JSON.parse(gone.body.toString()) as { errors: { code: string }[] }).errors[0].code,
      'BLOB_UPLOAD_UNKNOWN',
    );

    assert.deepEqual(await download(srv, repo, digest), { digest, size: data.length });
    await srv.stop();
    await assertFsckClean(srv, 'after the restarted upload');
  });

  test('a monolithic upload (POST ?digest=) interrupted by kill -9 leaves no blob', T, async (t) => {
    const srv = await server();
    // CNCF Distribution 2.8 ignores ?digest= on POST (it opens a session instead).
    if (srv.kind !== 'berth') return t.skip('single-request POST ?digest= uploads are not supported by Distribution');
    const repo = 'crash/monolithic';
    const data = randomBytes(32 * MiB);
    const digest = sha256(data);
    const r = await send(
      srv,
      'POST',
      `/v2/${repo}/blobs/uploads/?digest=${encodeURIComponent(digest)}`,
      { 'content-type': 'application/octet-stream', 'content-length': data.length },
      data,
      { at: 16 * MiB, action: () => srv.crash() },
    );
    assert.ok(!isReply(r));
    await assertFsckClean(srv, 'after kill -9 in a monolithic upload');
    await srv.restart();
    await assertBlobAbsent(srv, repo, digest, 'after the crash');

    const again = await send(
      srv,
      'POST',
      `/v2/${repo}/blobs/uploads/?digest=${encodeURIComponent(digest)}`,
      { 'content-type': 'application/octet-stream', 'content-length': data.length },
      data,
    );
    assert.ok(isReply(again));
    assert.equal(again.status, 201, `monolithic upload after the restart: ${again.body}`);
    assert.deepEqual(await download(srv, repo, digest), { digest, size: data.length });
    await srv.stop();
    await assertFsckClean(srv, 'after the monolithic upload');
  });

  test('a manifest push interrupted by kill -9 leaves no tag and no manifest', T, async () => {
    const srv = await server();
    const repo = 'crash/manifest';
    const layers = [randomBytes(256 * 1024), randomBytes(64 * 1024)];
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
      }),
    );
    for (const blob of [config, ...layers]) {
      const upload = await startUpload(srv, repo);
      const r = await http(
        srv,
        'PUT',
        withQuery(upload, 'digest', sha256(blob)),
        { 'content-type': 'application/octet-stream' },
        blob,
      );
      assert.equal(r.status, 201, `blob upload: ${r.body}`);
    }
    // A large manifest (~200 KiB of annotations) so that "half sent" is real.
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MT.ociManifest,
        config: { mediaType: MT.ociConfig, digest: sha256(config), size: config.length },
        layers: layers.map((l) => ({ mediaType: MT.ociLayerTar, digest: sha256(l), size: l.length })),
        annotations: { 'org.example.padding': randomBytes(100 * 1024).toString('hex') },
      }),
    );
    const digest = sha256(manifest);

    const half = await send(
      srv,
      'PUT',
      `/v2/${repo}/manifests/v1`,
      { 'content-type': MT.ociManifest, 'content-length': manifest.length },
      manifest,
      { piece: 16 * 1024, at: Math.floor(manifest.length / 2), action: () => srv.crash() },
    );
    assert.ok(!isReply(half), 'the half-sent manifest got no answer');
    await assertFsckClean(srv, 'after kill -9 in a manifest PUT');
    await srv.restart();

    const byTag = await http(srv, 'GET', `/v2/${repo}/manifests/v1`, { accept: MT.ociManifest });
    assert.equal(byTag.status, 404, 'the tag of the half-pushed manifest does not exist');
    assert.equal(
      (JSON.parse(byTag.body.toString()) as { errors: { code: string }[] }).errors[0].code,
      'MANIFEST_UNKNOWN',
    );
    assert.equal(
      (await http(srv, 'HEAD', `/v2/${repo}/manifests/${digest}`)).status,
      404,
      'nor the manifest by digest',
    );
    const tags = await http(srv, 'GET', `/v2/${repo}/tags/list`);
    if (tags.status === 200) {
      const list = JSON.parse(tags.body.toString()) as { tags: string[] | null };
      assert.ok(!(list.tags ?? []).includes('v1'), `tags/list: ${tags.body}`);
    } else {
      assert.equal(tags.status, 404);
    }

    // Blobs completed before the crash survived it.
    for (const blob of [config, ...layers]) {
      const head = await http(srv, 'HEAD', `/v2/${repo}/blobs/${sha256(blob)}`);
      assert.equal(head.status, 200, 'a blob completed before the crash is still there');
      assert.equal(Number(head.headers.get('content-length')), blob.length);
    }

    // The same push, whole this time, succeeds and serves the exact bytes.
    const put = await http(srv, 'PUT', `/v2/${repo}/manifests/v1`, { 'content-type': MT.ociManifest }, manifest);
    assert.equal(put.status, 201, `manifest PUT after the restart: ${put.body}`);
    assert.equal(put.headers.get('docker-content-digest'), digest);
    const got = await http(srv, 'GET', `/v2/${repo}/manifests/v1`, { accept: MT.ociManifest });
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(manifest), 'manifest bytes exactly as pushed');

    await srv.stop();
    await assertFsckClean(srv, 'after the manifest push');
  });

  test('kill -9 during the closing PUT leaves the blob either whole or still finishable', T, async (t) => {
    const srv = await server();
    const repo = 'crash/closing';
    const data = randomBytes(160 * MiB);
    const digest = sha256(data);
    const upload = await startUpload(srv, repo);
    const patch = await send(
      srv,
      'PATCH',
      upload,
      {
        'content-type': 'application/octet-stream',
        'content-range': `0-${data.length - 1}`,
        'content-length': data.length,
      },
      data,
    );
    assert.ok(isReply(patch));
    assert.equal(patch.status, 202, `PATCH: ${patch.body}`);
    const path = locationPath(srv, patch.headers.location);

    // A restart loses any running hash: the closing PUT must read the upload back, which takes a while.
    await srv.crash();
    await srv.restart();
    const put = send(srv, 'PUT', withQuery(path, 'digest', digest), { 'content-length': 0 }, Buffer.alloc(0));
    await sleep(80);
    await srv.crash();
    const answer = await put;
    await assertFsckClean(srv, 'after kill -9 during the closing PUT');
    await srv.restart();

    const head = await http(srv, 'HEAD', `/v2/${repo}/blobs/${digest}`);
    if (head.status === 200) {
      t.diagnostic(`the blob was committed before the kill (PUT answered: ${isReply(answer) ? answer.status : 'no'})`);
    } else {
      t.diagnostic('the kill came before the commit: finishing the upload again');
      assert.equal(head.status, 404);
      assert.ok(!isReply(answer) || answer.status !== 201, 'a 201 means the blob must exist');
      const status = await http(srv, 'GET', path);
      assert.equal(status.status, 204, `the session survived: ${status.body}`);
      assert.equal(rangeEnd(status.headers.get('range')), data.length, 'every byte is still there');
      const again = await http(srv, 'PUT', withQuery(path, 'digest', digest));
      assert.equal(again.status, 201, `closing PUT again: ${again.body}`);
    }
    assert.equal(
      Number((await http(srv, 'HEAD', `/v2/${repo}/blobs/${digest}`)).headers.get('content-length')),
      data.length,
    );
    assert.deepEqual(await download(srv, repo, digest), { digest, size: data.length });
    await srv.stop();
    await assertFsckClean(srv, 'at the end');
  });

  test(
    'kill -9 while several skopeo pushes run: fsck is clean and the pushes succeed after a restart',
    T,
    async (t) => {
      const srv = await server();
      const work = await tempDir('berth-crash-push-');
      const clients = await Promise.all([0, 1, 2].map(() => Skopeo.create()));
      try {
        const src = await OciLayout.create(join(work, 'src'));
        const tags = ['a', 'b', 'c'];
        for (const tag of tags) {
          await buildRandomImage(src, { tag, layers: [{ size: 12 * MiB }, { size: 6 * MiB }, { size: 100 * 1024 }] });
        }
        const push = (host: string) =>
          Promise.all(
            clients.map((c, i) =>
              c.run(['copy', `oci:${src.dir}:${tags[i]}`, `docker://${host}/crash/push-${tags[i]}:1`]),
            ),
          );
        // Kill when the first blob upload completes: the other uploads are then in flight.
        const proxy = await RecordingProxy.start(srv.port);
        let killed: Promise<void> | undefined;
        proxy.onRequest = (method, url) => {
          if (!killed && method === 'PUT' && url.includes('/blobs/uploads/'))
            killed = sleep(50).then(() => srv.crash());
        };
        const first = await push(proxy.host);
        await proxy.close();
        assert.ok(killed, 'a blob upload was seen');
        await killed;
        t.diagnostic(
          `pushes that finished before the kill: ${first.filter((r) => r.code === 0).length} of ${first.length}`,
        );
        assert.ok(
          first.some((r) => r.code !== 0),
          'at least one push was interrupted',
        );
        await assertFsckClean(srv, 'after kill -9 during skopeo pushes');
        await srv.restart();
        // A half-pushed image has no tag.
        for (const [i, r] of first.entries()) {
          if (r.code !== 0) {
            const m = await http(srv, 'GET', `/v2/crash/push-${tags[i]}/manifests/1`, { accept: MT.ociManifest });
            assert.equal(m.status, 404, `the interrupted push of ${tags[i]} left no tag`);
          }
        }
        for (const r of await push(srv.host)) assert.equal(r.code, 0, `push after the restart: ${r.stderr}`);
        for (const tag of tags) {
          const out = join(work, `out-${tag}`);
          await clients[0].ok(['copy', srv.ref(`crash/push-${tag}:1`), `oci:${out}:x`]);
          assertSameImage(await readLayoutImage(out, 'x'), await readLayoutImage(src.dir, tag), `image ${tag}`);
        }
        await srv.stop();
        await assertFsckClean(srv, 'at the end');
      } finally {
        await Promise.all(clients.map((c) => c.cleanup()));
        await removeDir(work);
      }
    },
  );
  // fsck's own findings and the graceful SIGTERM drain are covered by test/fsck.test.ts and test/lifecycle.test.ts.
});

/**
 * Crash points: SIGKILL injected (with strace) at the n-th entry into each
 * durable system call of one request — a closing PUT, a session DELETE, a
 * manifest PUT — each round on a fresh server. After every crash: fsck is
 * clean, nothing answers 500, nothing torn is visible, and the operation can
 * be completed or started over. Rounds whose point is never reached are
 * reported as such. Every failing round is listed, not just the first.
 */
describe('crash points (SIGKILL at each durable system call of a request)', () => {
  const unavailable = faultInjectionUnavailable();
  const P = { ...T, skip: unavailable ?? false };

  interface Round {
    point: string;
    fired: boolean;
    failures: string[];
  }

  /**
   * One round: `setup`, arm the crash, run `act`. When the server died,
   * fsck its data, restart, `verify`, and retire the server (the next round
   * gets a fresh one); when the point was not reached, keep it for the next round.
   */
  let spare: RegistryServer | null = null;
  async function round(
    syscall: string,
    n: number,
    setup: (srv: RegistryServer) => Promise<void>,
    act: (srv: RegistryServer) => Promise<unknown>,
    verify: (srv: RegistryServer, fail: (msg: string) => void) => Promise<void>,
  ): Promise<Round> {
    const srv = spare ?? (await startServer());
    spare = null;
    const failures: string[] = [];
    const fail = (msg: string) => failures.push(msg);
    let keep = false;
    try {
      await setup(srv);
      const armed = await armCrash(srv.pid as number, syscall, n);
      await act(srv).catch(() => undefined);
      await sleep(150);
      await armed.disarm();
      if (srv.running) {
        keep = true;
        return { point: armed.point, fired: false, failures };
      }
      const fsck = await srv.fsck(['--json']);
      if (fsck.code !== 0) fail(`fsck exit ${fsck.code}: ${fsck.stdout.replace(/\s+/g, ' ').slice(0, 300)}`);
      await srv.restart();
      await verify(srv, fail);
      await srv.stop(); // flushes the log
      const errors = srv
        .logs({ currentRun: true })
        .filter((l) => typeof l.status === 'number' && (l.status as number) >= 500);
      if (errors.length > 0) {
        fail(`5xx answers after the restart: ${errors.map((l) => `${l.method} ${l.path} ${l.status}`).join(', ')}`);
      }
      return { point: armed.point, fired: true, failures };
    } finally {
      if (keep) spare = srv;
      else await srv.cleanup();
    }
  }

  after(async () => {
    await spare?.cleanup();
    spare = null;
  });

  // The durable system calls of Node's fs and SQLite (renameat2 and fdatasync
  // were never reached here; pwrite64 is SQLite's WAL).
  const POINTS: [string, number][] = [
    ['openat', 1],
    ['ftruncate', 1],
    ['fsync', 1],
    ['fsync', 2],
    ['rename', 1],
    ['unlink', 1],
    ['pwrite64', 1],
    ['pwrite64', 2],
    ['pwrite64', 3],
  ];

  function report(t: { diagnostic: (m: string) => void }, rounds: Round[]): void {
    for (const r of rounds) {
      t.diagnostic(
        `${r.point}: ${r.fired ? (r.failures.length ? `FAIL ${r.failures.join(' | ')}` : 'ok') : 'not reached'}`,
      );
    }
    assert.ok(
      rounds.some((r) => r.fired),
      'at least one crash point was reached',
    );
    const failed = rounds.filter((r) => r.failures.length > 0);
    assert.deepEqual(
      failed.map((r) => `${r.point}: ${r.failures.join(' | ')}`),
      [],
      'every crash point leaves a consistent registry',
    );
  }

  test('the closing PUT of an upload', P, async (t) => {
    const rounds: Round[] = [];
    for (const [i, [syscall, n]] of POINTS.entries()) {
      const repo = `points/put-${i}`; // a server may serve several rounds
      const data = randomBytes(1 * MiB);
      const digest = sha256(data);
      let path = '';
      rounds.push(
        await round(
          syscall,
          n,
          async (srv) => {
            path = await startUpload(srv, repo);
            const r = await http(srv, 'PATCH', path, { 'content-type': 'application/octet-stream' }, data);
            assert.equal(r.status, 202);
            path = locationPath(srv, r.headers.get('location'));
          },
          (srv) => http(srv, 'PUT', withQuery(path, 'digest', digest)),
          async (srv, fail) => {
            const head = await http(srv, 'HEAD', `/v2/${repo}/blobs/${digest}`);
            if (head.status !== 200 && head.status !== 404) fail(`HEAD blob ${head.status}`);
            const status = await http(srv, 'GET', path);
            if (status.status === 204) {
              if (rangeEnd(status.headers.get('range')) !== data.length)
                fail(`session Range ${status.headers.get('range')}`);
              const put = await http(srv, 'PUT', withQuery(path, 'digest', digest));
              if (put.status !== 201) fail(`closing PUT again: ${put.status} ${put.body}`);
            } else if (status.status === 404) {
              if (head.status !== 200) {
                const again = await startUpload(srv, repo);
                const redo = await http(srv, 'PUT', withQuery(again, 'digest', digest), {}, data);
                if (redo.status !== 201) fail(`upload started over: ${redo.status}`);
              }
            } else {
              fail(`GET session ${status.status} ${status.body}`);
            }
            const got = await fetch(`${srv.url}/v2/${repo}/blobs/${digest}`);
            const bytes = Buffer.from(await got.arrayBuffer());
            if (got.status !== 200 || sha256(bytes) !== digest)
              fail(`blob after completion: ${got.status}, ${bytes.length} bytes`);
          },
        ),
      );
    }
    report(t, rounds);
  });

  test('a chunk PATCH', P, async (t) => {
    const rounds: Round[] = [];
    for (const [i, [syscall, n]] of POINTS.entries()) {
      const repo = `points/patch-${i}`;
      const half = 256 * 1024;
      const data = randomBytes(2 * half);
      const digest = sha256(data);
      let path = '';
      const chunk = (srv: RegistryServer, from: number) =>
        http(
          srv,
          'PATCH',
          path,
          { 'content-type': 'application/octet-stream', 'content-range': `${from}-${data.length - 1}` },
          data.subarray(from),
        );
      rounds.push(
        await round(
          syscall,
          n,
          async (srv) => {
            path = await startUpload(srv, repo);
            const r = await http(
              srv,
              'PATCH',
              path,
              { 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` },
              data.subarray(0, half),
            );
            assert.equal(r.status, 202);
            path = locationPath(srv, r.headers.get('location'));
          },
          (srv) => chunk(srv, half),
          async (srv, fail) => {
            const status = await http(srv, 'GET', path);
            if (status.status !== 204) return fail(`GET session ${status.status} ${status.body}`);
            const offset = rangeEnd(status.headers.get('range'));
            if (offset !== half && offset !== data.length) return fail(`session Range ${status.headers.get('range')}`);
            if (offset < data.length) {
              const rest = await chunk(srv, offset);
              if (rest.status !== 202) return fail(`PATCH from ${offset}: ${rest.status} ${rest.body}`);
            }
            const put = await http(srv, 'PUT', withQuery(path, 'digest', digest));
            if (put.status !== 201) return fail(`closing PUT: ${put.status} ${put.body}`);
            const got = await fetch(`${srv.url}/v2/${repo}/blobs/${digest}`);
            const bytes = Buffer.from(await got.arrayBuffer());
            if (sha256(bytes) !== digest) fail(`blob after completion: ${got.status}, ${bytes.length} bytes`);
          },
        ),
      );
    }
    report(t, rounds);
  });

  test('the DELETE of an upload session', P, async (t) => {
    const rounds: Round[] = [];
    for (const [i, [syscall, n]] of POINTS.entries()) {
      const repo = `points/cancel-${i}`; // a server may serve several rounds
      let path = '';
      rounds.push(
        await round(
          syscall,
          n,
          async (srv) => {
            path = await startUpload(srv, repo);
            const r = await http(
              srv,
              'PATCH',
              path,
              { 'content-type': 'application/octet-stream' },
              randomBytes(256 * 1024),
            );
            assert.equal(r.status, 202);
            path = locationPath(srv, r.headers.get('location'));
          },
          (srv) => http(srv, 'DELETE', path),
          async (srv, fail) => {
            const status = await http(srv, 'GET', path);
            if (status.status === 204) {
              const del = await http(srv, 'DELETE', path);
              if (del.status !== 204) fail(`DELETE again: ${del.status} ${del.body}`);
              const after = await http(srv, 'GET', path);
              if (after.status !== 404) fail(`GET after DELETE: ${after.status}`);
            } else if (status.status !== 404) {
              fail(`GET session ${status.status} ${status.body}`);
            }
          },
        ),
      );
    }
    report(t, rounds);
  });

  test('a manifest PUT', P, async (t) => {
    const rounds: Round[] = [];
    for (const [i, [syscall, n]] of POINTS.entries()) {
      const repo = `points/manifest-${i}`; // a server may serve several rounds
      const layer = randomBytes(64 * 1024);
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }),
      );
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT.ociManifest,
          config: { mediaType: MT.ociConfig, digest: sha256(config), size: config.length },
          layers: [{ mediaType: MT.ociLayerTar, digest: sha256(layer), size: layer.length }],
        }),
      );
      const digest = sha256(manifest);
      const put = (srv: RegistryServer) =>
        http(srv, 'PUT', `/v2/${repo}/manifests/v1`, { 'content-type': MT.ociManifest }, manifest);
      rounds.push(
        await round(
          syscall,
          n,
          async (srv) => {
            for (const blob of [config, layer]) {
              const r = await http(
                srv,
                'PUT',
                withQuery(await startUpload(srv, repo), 'digest', sha256(blob)),
                {},
                blob,
              );
              assert.equal(r.status, 201);
            }
          },
          put,
          async (srv, fail) => {
            const byTag = await http(srv, 'GET', `/v2/${repo}/manifests/v1`, { accept: MT.ociManifest });
            const byDigest = await http(srv, 'GET', `/v2/${repo}/manifests/${digest}`, { accept: MT.ociManifest });
            if (byTag.status === 200 && !byTag.body.equals(manifest)) fail('a torn manifest is served by tag');
            if (byTag.status === 200 && byDigest.status !== 200) fail(`tag resolves but digest is ${byDigest.status}`);
            if (![200, 404].includes(byTag.status)) fail(`GET by tag ${byTag.status}`);
            if (![200, 404].includes(byDigest.status)) fail(`GET by digest ${byDigest.status}`);
            const again = await put(srv);
            if (again.status !== 201) fail(`manifest PUT again: ${again.status} ${again.body}`);
            const got = await http(srv, 'GET', `/v2/${repo}/manifests/v1`, { accept: MT.ociManifest });
            if (got.status !== 200 || !got.body.equals(manifest)) fail(`manifest after the PUT: ${got.status}`);
          },
        ),
      );
    }
    report(t, rounds);
  });
});
