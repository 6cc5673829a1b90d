/** Blob uploads: monolithic, single POST, chunked, streamed, status, cancel, digest checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  blobOf,
  digestOf,
  type RegistryClient,
  randomBlob,
  rawRequest,
  repoName,
  withQuery,
} from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Starts an upload session, checks the 202 answer, returns its Location. */
export async function startUpload(client: RegistryClient, repo: string): Promise<string> {
  const res = await client.request('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
  assert.equal(res.status, 202, res.text);
  const location = res.headers.get('location');
  assert.ok(location, 'Location header');
  const uuid = res.headers.get('docker-upload-uuid');
  assert.match(uuid ?? '', UUID_RE);
  assert.ok(location.includes(uuid!), 'Location contains the upload id');
  assert.equal(res.headers.get('range'), '0-0');
  return location;
}

export async function assertBlob(client: RegistryClient, repo: string, bytes: Buffer, digest = digestOf(bytes)) {
  const res = await client.get(`/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200, `blob ${digest}: ${res.text}`);
  assert.ok(res.body.equals(bytes), 'blob bytes as uploaded');
}

export async function assertNoBlob(client: RegistryClient, repo: string, digest: string) {
  assertError(await client.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
}

export function patch(
  client: RegistryClient,
  location: string,
  chunk: Buffer,
  range?: [number, number],
  length?: number,
) {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (range) headers['content-range'] = `${range[0]}-${range[1]}`;
  if (length !== undefined) headers['content-length'] = String(length);
  return client.request('PATCH', location, { headers, body: chunk });
}

export function uploadTests(ctx: SuiteContext): void {
  describe('monolithic uploads', () => {
    it('POST then PUT with the whole blob: 201, Location and digest', async () => {
      const repo = repoName('up');
      const blob = randomBlob(4096);
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-type': 'application/octet-stream' },
        body: blob.bytes,
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      await assertBlob(ctx.client, repo, blob.bytes);
      // The session is closed: its URL is gone.
      assertError(await ctx.client.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    it('a single POST with ?digest= stores the blob: 201', async () => {
      const repo = repoName('up');
      const blob = randomBlob(2048);
      const res = await ctx.client.request('POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        headers: { 'content-type': 'application/octet-stream' },
        body: blob.bytes,
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('a single POST with a wrong digest is 400 DIGEST_INVALID and stores nothing', async () => {
      const repo = repoName('up');
      const blob = randomBlob(2048);
      const wrong = randomBlob(10).digest;
      const res = await ctx.client.request('POST', `/v2/${repo}/blobs/uploads/?digest=${wrong}`, {
        body: blob.bytes,
      });
      assertError(res, 400, 'DIGEST_INVALID');
      await assertNoBlob(ctx.client, repo, wrong);
      await assertNoBlob(ctx.client, repo, blob.digest);
    });

    it('PUT with a wrong digest is 400 DIGEST_INVALID; the blob is not visible', async () => {
      const repo = repoName('up');
      const blob = randomBlob(1000);
      const wrong = randomBlob(1000).digest;
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: wrong }), { body: blob.bytes });
      assertError(res, 400, 'DIGEST_INVALID');
      await assertNoBlob(ctx.client, repo, wrong);
      await assertNoBlob(ctx.client, repo, blob.digest);
    });

    it('PUT with a malformed digest is 400 DIGEST_INVALID and keeps the session', async () => {
      const repo = repoName('up');
      const blob = randomBlob(100);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes)).status, 202);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: 'sha256:nothex' }));
      assertError(res, 400, 'DIGEST_INVALID');
      const status = await ctx.client.get(location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-99');
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
    });

    it('PUT without ?digest= is 400 DIGEST_INVALID', async () => {
      const location = await startUpload(ctx.client, repoName('up'));
      assertError(await ctx.client.request('PUT', location, { body: 'abc' }), 400, 'DIGEST_INVALID');
    });

    it('a sha512 digest is verified with sha512', async () => {
      const repo = repoName('up');
      const blob = randomBlob(5000, 'sha512');
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), { body: blob.bytes });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      await assertBlob(ctx.client, repo, blob.bytes, blob.digest);
      // The same bytes are not visible under their sha256 digest: that was never uploaded.
      await assertNoBlob(ctx.client, repo, digestOf(blob.bytes));
    });

    it('a wrong sha512 digest is refused', async () => {
      const repo = repoName('up');
      const blob = randomBlob(100);
      const wrong = randomBlob(100, 'sha512').digest;
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: wrong }), { body: blob.bytes });
      assertError(res, 400, 'DIGEST_INVALID');
      await assertNoBlob(ctx.client, repo, wrong);
    });

    it('an empty blob uploads through POST + PUT with no body', async () => {
      const repo = repoName('up');
      const empty = blobOf(Buffer.alloc(0));
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: empty.digest }), {
        headers: { 'content-length': '0' },
      });
      assert.equal(res.status, 201, res.text);
      await assertBlob(ctx.client, repo, Buffer.alloc(0));
    });

    it('uploading an already stored blob again succeeds (deduplication)', async () => {
      const repo = repoName('up');
      const blob = randomBlob(300);
      await ctx.client.pushBlob(repo, blob);
      await ctx.client.pushBlob(repo, blob);
      await ctx.client.pushBlob(repoName('up'), blob);
      await assertBlob(ctx.client, repo, blob.bytes);
    });
  });

  describe('chunked uploads', () => {
    it('PATCH chunks in order with Content-Range, then PUT: 202 each with Location and Range', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(3000);
      let location = await startUpload(ctx.client, repo);
      for (const [start, end] of [
        [0, 999],
        [1000, 1999],
        [2000, 2999],
      ]) {
        const res = await patch(ctx.client, location, blob.bytes.subarray(start, end + 1), [start, end], 1000);
        assert.equal(res.status, 202, res.text);
        assert.equal(res.headers.get('range'), `0-${end}`);
        assert.match(res.headers.get('docker-upload-uuid') ?? '', UUID_RE);
        location = res.headers.get('location')!;
        assert.ok(location);
      }
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-length': '0' },
      });
      assert.equal(done.status, 201, done.text);
      assert.equal(done.headers.get('docker-content-digest'), blob.digest);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('Content-Range with a bytes prefix and total is accepted', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(100);
      const location = await startUpload(ctx.client, repo);
      const res = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': 'bytes 0-99/100' },
        body: blob.bytes,
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.headers.get('range'), '0-99');
    });

    it('a chunk out of order is 416 and the upload keeps its offset', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(300);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(0, 100), [0, 99])).status, 202);
      const skip = await patch(ctx.client, location, blob.bytes.subarray(200, 300), [200, 299]);
      assertError(skip, 416, 'BLOB_UPLOAD_INVALID');
      const status = await ctx.client.get(location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-99');
      // The client can continue from where the registry is.
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(100), [100, 299])).status, 202);
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('a first chunk not starting at 0 is 416', async () => {
      const location = await startUpload(ctx.client, repoName('chunk'));
      const res = await patch(ctx.client, location, Buffer.alloc(10), [5, 14]);
      assertError(res, 416, 'BLOB_UPLOAD_INVALID');
    });

    it('an overlapping chunk is 416 and changes nothing', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(200);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(0, 100), [0, 99])).status, 202);
      const overlap = await patch(ctx.client, location, Buffer.alloc(100, 7), [50, 149]);
      assertError(overlap, 416, 'BLOB_UPLOAD_INVALID');
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(100), [100, 199])).status, 202);
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('a malformed Content-Range is refused (416) and changes nothing', async () => {
      const location = await startUpload(ctx.client, repoName('chunk'));
      for (const range of ['0-', 'abc', '10-5']) {
        const res = await ctx.client.request('PATCH', location, {
          headers: { 'content-range': range },
          body: Buffer.alloc(6),
        });
        assertError(res, 416, 'BLOB_UPLOAD_INVALID');
      }
      assert.equal((await ctx.client.get(location)).headers.get('range'), '0-0');
    });

    it('a Content-Length that disagrees with Content-Range is 400 SIZE_INVALID', async () => {
      const location = await startUpload(ctx.client, repoName('chunk'));
      const res = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': '0-99', 'content-length': '50' },
        body: Buffer.alloc(50),
      });
      assertError(res, 400, 'SIZE_INVALID');
      const status = await ctx.client.get(location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-0');
    });

    it('a streamed PATCH (chunked transfer encoding, no Content-Range) appends', async () => {
      const repo = repoName('stream');
      const blob = randomBlob(200_000);
      const location = await startUpload(ctx.client, repo);
      const parts = [
        blob.bytes.subarray(0, 70_000),
        blob.bytes.subarray(70_000, 150_000),
        blob.bytes.subarray(150_000),
      ];
      const res = await rawRequest(ctx.url, 'PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
        chunks: parts,
      });
      assert.equal(res.status, 202, res.body.toString());
      assert.equal(res.headers.range, `0-${blob.size - 1}`);
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('several streamed PATCHes append one after the other', async () => {
      const repo = repoName('stream');
      const blob = randomBlob(3000);
      const location = await startUpload(ctx.client, repo);
      for (let i = 0; i < 3; i++) {
        const res = await patch(ctx.client, location, blob.bytes.subarray(i * 1000, (i + 1) * 1000));
        assert.equal(res.status, 202);
        assert.equal(res.headers.get('range'), `0-${(i + 1) * 1000 - 1}`);
      }
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('the final chunk may come with the closing PUT', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(2000);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(0, 1500), [0, 1499])).status, 202);
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-type': 'application/octet-stream', 'content-range': '1500-1999' },
        body: blob.bytes.subarray(1500),
      });
      assert.equal(done.status, 201, done.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('a final chunk out of order on PUT is 416 and stores nothing', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(200);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes.subarray(0, 100), [0, 99])).status, 202);
      const res = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-range': '150-199' },
        body: blob.bytes.subarray(150),
      });
      assertError(res, 416, 'BLOB_UPLOAD_INVALID');
      await assertNoBlob(ctx.client, repo, blob.digest);
    });

    it('a zero-length PATCH is accepted and moves nothing', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(100);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes, [0, 99])).status, 202);
      const empty = await ctx.client.request('PATCH', location, { headers: { 'content-length': '0' } });
      assert.equal(empty.status, 202, empty.text);
      assert.equal(empty.headers.get('range'), '0-99');
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }));
      assert.equal(done.status, 201, done.text);
    });

    it('a wrong digest after chunks is 400 DIGEST_INVALID, ends the session, stores nothing', async () => {
      const repo = repoName('chunk');
      const blob = randomBlob(500);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes, [0, 499])).status, 202);
      const wrong = digestOf(Buffer.concat([blob.bytes, Buffer.from('x')]));
      assertError(await ctx.client.request('PUT', withQuery(location, { digest: wrong })), 400, 'DIGEST_INVALID');
      await assertNoBlob(ctx.client, repo, wrong);
      await assertNoBlob(ctx.client, repo, blob.digest);
      assertError(await ctx.client.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    });
  });
}
