/** GET /v2/, blob HEAD/GET (whole and ranged) and DELETE. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, blobOf, randomBlob, repoName } from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';

export function blobTests(ctx: SuiteContext): void {
  describe('base endpoint', () => {
    it('GET /v2/ answers 200 with the API version header and a JSON body', async () => {
      const res = await ctx.client.get('/v2/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(res.json(), {});
    });

    it('HEAD /v2/ answers 200 with the API version header', async () => {
      const res = await ctx.client.head('/v2/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.equal(res.body.length, 0);
    });

    it('GET /v2 redirects to /v2/', async () => {
      const res = await ctx.client.get('/v2');
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), '/v2/');
    });

    it('errors carry the API version header too', async () => {
      const res = await ctx.client.get(`/v2/${repoName()}/blobs/${randomBlob(1).digest}`);
      assertError(res, 404, 'BLOB_UNKNOWN');
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    });

    it('an unsupported method on a known path is 405 UNSUPPORTED', async () => {
      const res = await ctx.client.request('PATCH', `/v2/${repoName()}/tags/list`);
      assertError(res, 405, 'UNSUPPORTED');
    });
  });

  describe('blob reads', () => {
    const repo = repoName('blobs');
    const blob = randomBlob(10_000);

    it('HEAD of a pushed blob: 200, length and digest, no body', async () => {
      await ctx.client.pushBlob(repo, blob);
      const res = await ctx.client.head(`/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(blob.size));
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.body.length, 0);
    });

    it('GET returns the exact bytes with digest and octet-stream type', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      assert.equal(res.headers.get('content-length'), String(blob.size));
      assert.ok(res.body.equals(blob.bytes), 'same bytes');
    });

    it('Range bytes=start-end answers 206 with Content-Range and that slice', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=100-199' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 100-199/${blob.size}`);
      assert.equal(res.headers.get('content-length'), '100');
      assert.ok(res.body.equals(blob.bytes.subarray(100, 200)));
    });

    it('an open-ended range runs to the end of the blob', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=9990-' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 9990-9999/${blob.size}`);
      assert.ok(res.body.equals(blob.bytes.subarray(9990)));
    });

    it('a range past the end is clipped to the blob', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=9000-20000' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 9000-9999/${blob.size}`);
      assert.equal(res.body.length, 1000);
    });

    it('a suffix range returns the last bytes', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=-16' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 9984-9999/${blob.size}`);
      assert.ok(res.body.equals(blob.bytes.subarray(-16)));
    });

    it('a suffix longer than the blob returns the whole blob as 206', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=-50000' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 0-9999/${blob.size}`);
      assert.ok(res.body.equals(blob.bytes));
    });

    it('an unsatisfiable range is 416 with Content-Range bytes */size', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=10000-10010' });
      assert.equal(res.status, 416);
      assert.equal(res.headers.get('content-range'), `bytes */${blob.size}`);
    });

    it('a range ending before it starts is 416', async () => {
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=50-10' });
      assert.equal(res.status, 416);
    });

    it('HEAD with a Range reports the partial length', async () => {
      const res = await ctx.client.head(`/v2/${repo}/blobs/${blob.digest}`, { range: 'bytes=0-9' });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-length'), '10');
      assert.equal(res.headers.get('content-range'), `bytes 0-9/${blob.size}`);
    });

    it('an unknown blob is 404 BLOB_UNKNOWN (HEAD: 404 without body)', async () => {
      const other = randomBlob(10);
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${other.digest}`), 404, 'BLOB_UNKNOWN');
      const head = await ctx.client.head(`/v2/${repo}/blobs/${other.digest}`);
      assert.equal(head.status, 404);
      assert.equal(head.body.length, 0);
    });

    it('a blob of an unknown repository is 404 BLOB_UNKNOWN', async () => {
      assertError(await ctx.client.get(`/v2/${repoName()}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('a malformed digest is 400 DIGEST_INVALID', async () => {
      for (const bad of ['sha256:abc', `sha256:${'G'.repeat(64)}`, `md5:${'a'.repeat(32)}`, 'nodigest']) {
        assertError(await ctx.client.get(`/v2/${repo}/blobs/${bad}`), 400, 'DIGEST_INVALID');
      }
    });

    it('upper-case hex in a digest is refused (digests are canonical lower case)', async () => {
      const upper = `sha256:${blob.digest.slice(7).toUpperCase()}`;
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${upper}`), 400, 'DIGEST_INVALID');
    });

    it('the empty blob can be pushed and read back', async () => {
      const empty = blobOf(Buffer.alloc(0));
      await ctx.client.pushBlob(repo, empty);
      const head = await ctx.client.head(`/v2/${repo}/blobs/${empty.digest}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), '0');
      const get = await ctx.client.get(`/v2/${repo}/blobs/${empty.digest}`);
      assert.equal(get.status, 200);
      assert.equal(get.body.length, 0);
      assert.equal(get.headers.get('docker-content-digest'), empty.digest);
    });

    it('sha512 blobs are stored and served under their sha512 digest', async () => {
      const b = randomBlob(3000, 'sha512');
      await ctx.client.pushBlob(repo, b);
      const res = await ctx.client.get(`/v2/${repo}/blobs/${b.digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-content-digest'), b.digest);
      assert.ok(res.body.equals(b.bytes));
    });
  });

  describe('large blobs', () => {
    it('a 9 MiB blob reads back whole and in ranges across read-buffer boundaries', async () => {
      const repo = repoName('large');
      const blob = randomBlob(9 * 1024 * 1024 + 123);
      await ctx.client.pushBlob(repo, blob);
      const whole = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(whole.status, 200);
      assert.ok(whole.body.equals(blob.bytes));
      const MiB = 1024 * 1024;
      for (const [start, end] of [
        [4 * MiB - 10, 4 * MiB + 10],
        [MiB, 8 * MiB + 5],
        [9 * MiB, blob.size - 1],
      ]) {
        const part = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`, { range: `bytes=${start}-${end}` });
        assert.equal(part.status, 206);
        assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${blob.size}`);
        assert.ok(part.body.equals(blob.bytes.subarray(start, end + 1)), `range ${start}-${end}`);
      }
    });
  });

  describe('blob delete', () => {
    it('a deleted blob can be pushed again', async () => {
      const repo = repoName('blobdel');
      const blob = randomBlob(100);
      await ctx.client.pushBlob(repo, blob);
      assert.equal((await ctx.client.delete(`/v2/${repo}/blobs/${blob.digest}`)).status, 202);
      await ctx.client.pushBlob(repo, blob);
      const res = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(blob.bytes));
    });

    it('DELETE answers 202, then the blob is 404 BLOB_UNKNOWN', async () => {
      const repo = repoName('blobdel');
      const blob = randomBlob(100);
      await ctx.client.pushBlob(repo, blob);
      const del = await ctx.client.delete(`/v2/${repo}/blobs/${blob.digest}`);
      assert.equal(del.status, 202);
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      assert.equal((await ctx.client.head(`/v2/${repo}/blobs/${blob.digest}`)).status, 404);
    });

    it('deleting a blob in one repository leaves it in another', async () => {
      const a = repoName('blobdel');
      const b = repoName('blobdel');
      const blob = randomBlob(100);
      await ctx.client.pushBlob(a, blob);
      await ctx.client.pushBlob(b, blob);
      assert.equal((await ctx.client.delete(`/v2/${a}/blobs/${blob.digest}`)).status, 202);
      const res = await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(blob.bytes));
    });

    it('DELETE of an unknown blob is 404 BLOB_UNKNOWN', async () => {
      const res = await ctx.client.delete(`/v2/${repoName()}/blobs/${randomBlob(5).digest}`);
      assertError(res, 404, 'BLOB_UNKNOWN');
    });

    it('DELETE with a malformed digest is 400 DIGEST_INVALID', async () => {
      assertError(await ctx.client.delete(`/v2/${repoName()}/blobs/sha256:xyz`), 400, 'DIGEST_INVALID');
    });
  });
}
