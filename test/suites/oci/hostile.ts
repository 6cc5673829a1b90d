/** Hostile input: invalid names, path escapes, lying lengths, bodies cut off mid-way. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  configBlob,
  descriptor,
  eventually,
  imageManifest,
  OCI_CONFIG,
  OCI_MANIFEST,
  type RawReply,
  randomBlob,
  rawRequest,
  repoName,
  withQuery,
} from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';
import { startUpload } from './uploads.ts';

function assertRawError(res: RawReply, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.body.toString()}`);
  const body = res.json() as { errors: { code: string }[] };
  assert.equal(body.errors[0].code, code, res.body.toString());
}

export function hostileTests(ctx: SuiteContext): void {
  describe('invalid repository names', () => {
    const digest = randomBlob(4).digest;
    const bad = [
      'Upper/case',
      'UPPER',
      'a/../b',
      '../etc',
      'a/./b',
      'a//b',
      'a/',
      '-dash',
      'dot.',
      'a..b',
      'a___b',
      `${'a'.repeat(256)}`,
      `${'abcdefghi/'.repeat(25)}abcdef`, // 256 characters
    ];

    for (const name of bad) {
      it(`"${name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name}" is NAME_INVALID everywhere`, async () => {
        const paths: [string, string][] = [
          ['GET', `/v2/${name}/tags/list`],
          ['GET', `/v2/${name}/manifests/latest`],
          ['PUT', `/v2/${name}/manifests/latest`],
          ['GET', `/v2/${name}/blobs/${digest}`],
          ['DELETE', `/v2/${name}/blobs/${digest}`],
          ['POST', `/v2/${name}/blobs/uploads/`],
          ['GET', `/v2/${name}/referrers/${digest}`],
        ];
        for (const [method, path] of paths) {
          const res = await rawRequest(ctx.url, method, path, { headers: { 'content-length': 0 } });
          assertRawError(res, 400, 'NAME_INVALID');
        }
      });
    }

    it('a name of 255 characters is valid', async () => {
      const name = `${'abcdefghi/'.repeat(25)}abcde`;
      assert.equal(name.length, 255);
      await ctx.client.pushBlob(name, randomBlob(5));
      const res = await ctx.client.request('POST', `/v2/${name}/blobs/uploads/`);
      assert.equal(res.status, 202);
    });

    it('names with separators allowed by the grammar are valid', async () => {
      for (const name of [`${repoName()}/a.b/c_d/e__f/g-h/i--j`, `${repoName()}/0`]) {
        const res = await ctx.client.request('POST', `/v2/${name}/blobs/uploads/`);
        assert.equal(res.status, 202, `${name}: ${res.text}`);
      }
    });

    it('names containing the API path words route to the right repository', async () => {
      const base = repoName('words');
      for (const name of [
        `${base}/manifests/x`,
        `${base}/blobs/uploads`,
        `${base}/blobs`,
        `${base}/tags/list`,
        `${base}/referrers/r`,
      ]) {
        const { manifest, blobs } = await ctx.client.pushImage(name, 'v1');
        const get = await ctx.client.get(`/v2/${name}/manifests/v1`);
        assert.equal(get.status, 200, `${name}: ${get.text}`);
        assert.ok(get.body.equals(manifest.bytes));
        assert.equal((await ctx.client.head(`/v2/${name}/blobs/${blobs[1].digest}`)).status, 200);
        assert.deepEqual((await ctx.client.get(`/v2/${name}/tags/list`)).json(), { name, tags: ['v1'] });
        const refs = await ctx.client.get(`/v2/${name}/referrers/${manifest.digest}`);
        assert.equal(refs.status, 200);
      }
      // The parent is a repository of its own, without those images.
      assertError(await ctx.client.get(`/v2/${base}/tags/list`), 404, 'NAME_UNKNOWN');
    });

    it('percent-encoded slashes and dots are NAME_INVALID', async () => {
      for (const path of [
        `/v2/a%2Fb/blobs/${digest}`,
        `/v2/a%2fb/tags/list`,
        `/v2/%2E%2E/tags/list`,
        `/v2/a/%2e%2e/b/manifests/latest`,
      ]) {
        assertRawError(await rawRequest(ctx.url, 'GET', path), 400, 'NAME_INVALID');
      }
    });

    it('a leading slash (empty first component) is NAME_INVALID', async () => {
      assertRawError(await rawRequest(ctx.url, 'GET', `/v2//a/tags/list`), 400, 'NAME_INVALID');
      assertRawError(await rawRequest(ctx.url, 'GET', `/v2///blobs/${digest}`), 400, 'NAME_INVALID');
    });

    it('a failed upload start with an invalid name creates no repository', async () => {
      await rawRequest(ctx.url, 'POST', '/v2/Bad/Name/blobs/uploads/');
      const catalog = (await ctx.client.get('/v2/_catalog')).json() as { repositories: string[] };
      assert.ok(!catalog.repositories.some((r) => r !== r.toLowerCase()));
    });

    it('an unknown /v2 path is 404 with an OCI error body', async () => {
      const res = await rawRequest(ctx.url, 'GET', '/v2/a/unknown/thing');
      assert.equal(res.status, 404);
      const body = res.json() as { errors: { code: string }[] };
      assert.ok(body.errors[0].code);
    });
  });

  describe('storage escapes', () => {
    it('digests and references that try to leave the storage folder are refused', async () => {
      const repo = repoName('esc');
      await ctx.client.pushImage(repo, 'v1');
      const attempts: [string, string, number][] = [
        ['GET', `/v2/${repo}/blobs/sha256:..%2F..%2F..%2Fberth.db`, 400],
        ['GET', `/v2/${repo}/blobs/sha256:../../../../etc/passwd`, 400],
        ['GET', `/v2/${repo}/blobs/..%2F..%2Fberth.db`, 400],
        ['GET', `/v2/${repo}/manifests/..%2F..%2Fberth.db`, 400],
        ['GET', `/v2/${repo}/manifests/sha256:..`, 400],
        ['GET', `/v2/${repo}/blobs/uploads/..%2F..%2Fberth.db`, 400],
        ['PATCH', `/v2/${repo}/blobs/uploads/../../../../tmp/x`, 400],
        ['GET', `/v2/${repo}/referrers/sha256:..%2F..`, 400],
      ];
      for (const [method, path] of attempts) {
        const res = await rawRequest(ctx.url, method, path, { headers: { 'content-length': 0 } });
        assert.ok(
          res.status === 400 || res.status === 404,
          `${method} ${path}: ${res.status} ${res.body.toString().slice(0, 200)}`,
        );
        assert.ok(!res.body.toString().includes('SQLite format'), 'no database bytes');
        assert.ok(!res.body.toString().includes('root:'), 'no system file');
      }
    });

    it('an upload id that is a path is BLOB_UPLOAD_UNKNOWN', async () => {
      const repo = repoName('esc');
      for (const id of ['..', '.', 'x.y', '00000000-0000-0000-0000-00000000000%2F']) {
        const res = await rawRequest(ctx.url, 'GET', `/v2/${repo}/blobs/uploads/${id}`);
        assert.ok(res.status === 404 || res.status === 400, `${id}: ${res.status}`);
      }
    });
  });

  describe('lying and broken requests', () => {
    it('a manifest PUT declaring a huge Content-Length is refused with 413 before reading it', async () => {
      const repo = repoName('lie');
      const started = Date.now();
      const res = await rawRequest(ctx.url, 'PUT', `/v2/${repo}/manifests/huge`, {
        headers: { 'content-type': OCI_MANIFEST, 'content-length': 1024 * 1024 * 1024 * 1024 },
        chunks: [Buffer.from('{"schemaVersion":2')],
      });
      assertRawError(res, 413, 'MANIFEST_INVALID');
      assert.ok(Date.now() - started < 5000, 'answered without waiting for the body');
      assertError(await ctx.client.get(`/v2/${repo}/manifests/huge`), 404, 'MANIFEST_UNKNOWN');
    });

    it('a streamed manifest growing past 4 MiB is refused with 413', async () => {
      const repo = repoName('lie');
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const res = await rawRequest(ctx.url, 'PUT', `/v2/${repo}/manifests/stream`, {
        headers: { 'content-type': OCI_MANIFEST, 'transfer-encoding': 'chunked' },
        chunks: [Buffer.from('{"schemaVersion":2,'), chunk, chunk, chunk, chunk, chunk],
      }).catch((err: Error) => ({ status: -1, error: err }) as unknown as RawReply);
      // The server may answer 413 and close before taking the rest of the body.
      if (res.status !== -1) assertRawError(res, 413, 'MANIFEST_INVALID');
      assertError(await ctx.client.get(`/v2/${repo}/manifests/stream`), 404, 'MANIFEST_UNKNOWN');
    });

    it('a PATCH cut off mid-body leaves the upload offset where it was', async () => {
      const repo = repoName('cut');
      const blob = randomBlob(300_000);
      const location = await startUpload(ctx.client, repo);
      const first = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': '0-99999' },
        body: blob.bytes.subarray(0, 100_000),
      });
      assert.equal(first.status, 202);
      await rawRequest(ctx.url, 'PATCH', location, {
        headers: { 'content-range': '100000-299999', 'content-length': 200_000 },
        chunks: [blob.bytes.subarray(100_000, 180_000)],
        cutOff: true,
      });
      await eventually(async () => {
        const status = await ctx.client.get(location);
        assert.equal(status.status, 204);
        assert.equal(status.headers.get('range'), '0-99999');
      });
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      // Resume from the confirmed offset.
      await eventually(async () => {
        const again = await ctx.client.request('PATCH', location, {
          headers: { 'content-range': '100000-299999' },
          body: blob.bytes.subarray(100_000),
        });
        assert.equal(again.status, 202, again.text);
      });
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
      const get = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.ok(get.body.equals(blob.bytes));
    });

    it('a monolithic PUT cut off mid-body stores no blob', async () => {
      const repo = repoName('cut');
      const blob = randomBlob(200_000);
      const location = await startUpload(ctx.client, repo);
      await rawRequest(ctx.url, 'PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-length': blob.size },
        chunks: [blob.bytes.subarray(0, 50_000)],
        cutOff: true,
      });
      await eventually(async () => {
        const status = await ctx.client.get(location);
        assert.equal(status.status, 204);
        assert.equal(status.headers.get('range'), '0-0');
      });
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('a single POST ?digest= cut off mid-body stores no blob', async () => {
      const repo = repoName('cut');
      const blob = randomBlob(200_000);
      await rawRequest(ctx.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        headers: { 'content-length': blob.size },
        chunks: [blob.bytes.subarray(0, 50_000)],
        cutOff: true,
      });
      await new Promise((r) => setTimeout(r, 100));
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('a manifest PUT cut off mid-body stores nothing', async () => {
      const repo = repoName('cut');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [] });
      await rawRequest(ctx.url, 'PUT', `/v2/${repo}/manifests/cut`, {
        headers: { 'content-type': OCI_MANIFEST, 'content-length': m.size },
        chunks: [m.bytes.subarray(0, m.size - 10)],
        cutOff: true,
      });
      await new Promise((r) => setTimeout(r, 100));
      assertError(await ctx.client.get(`/v2/${repo}/manifests/cut`), 404, 'MANIFEST_UNKNOWN');
      assertError(await ctx.client.get(`/v2/${repo}/manifests/${m.digest}`), 404, 'MANIFEST_UNKNOWN');
    });

    it('a PATCH whose Content-Length exceeds the Content-Range is SIZE_INVALID and moves nothing', async () => {
      const location = await startUpload(ctx.client, repoName('lie'));
      const res = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': '0-9' },
        body: Buffer.alloc(20),
      });
      assertError(res, 400, 'SIZE_INVALID');
      assert.equal((await ctx.client.get(location)).headers.get('range'), '0-0');
    });
  });
}
