/** Upload sessions: status, cancel, unknown and foreign ids, concurrency, leftovers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, digestOf, eventually, randomBlob, rawRequest, repoName, withQuery } from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';
import { assertBlob, assertNoBlob, patch, startUpload, UUID_RE } from './uploads.ts';

export function uploadSessionTests(ctx: SuiteContext): void {
  describe('upload sessions', () => {
    it('GET on a session is 204 with Location, Range and Docker-Upload-UUID', async () => {
      const repo = repoName('sess');
      const location = await startUpload(ctx.client, repo);
      const fresh = await ctx.client.get(location);
      assert.equal(fresh.status, 204);
      assert.equal(fresh.headers.get('range'), '0-0');
      assert.equal(fresh.headers.get('content-length'), '0');
      assert.ok(fresh.headers.get('location'));
      assert.match(fresh.headers.get('docker-upload-uuid') ?? '', UUID_RE);
      assert.equal((await patch(ctx.client, location, Buffer.alloc(42), [0, 41])).status, 202);
      const after = await ctx.client.get(location);
      assert.equal(after.status, 204);
      assert.equal(after.headers.get('range'), '0-41');
    });

    it('DELETE cancels: 204, then the session is 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const repo = repoName('sess');
      const blob = randomBlob(64);
      const location = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, location, blob.bytes)).status, 202);
      const del = await ctx.client.delete(location);
      assert.equal(del.status, 204);
      assertError(await ctx.client.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      assertError(await patch(ctx.client, location, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
      assertError(
        await ctx.client.request('PUT', withQuery(location, { digest: blob.digest })),
        404,
        'BLOB_UPLOAD_UNKNOWN',
      );
      assertError(await ctx.client.delete(location), 404, 'BLOB_UPLOAD_UNKNOWN');
      await assertNoBlob(ctx.client, repo, blob.digest);
    });

    it('an unknown upload id is 404 BLOB_UPLOAD_UNKNOWN for every method', async () => {
      const repo = repoName('sess');
      for (const id of ['8a4e9c3c-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const path = `/v2/${repo}/blobs/uploads/${id}`;
        assertError(await ctx.client.get(path), 404, 'BLOB_UPLOAD_UNKNOWN');
        assertError(await patch(ctx.client, path, Buffer.from('x')), 404, 'BLOB_UPLOAD_UNKNOWN');
        assertError(
          await ctx.client.request('PUT', `${path}?digest=${digestOf('x')}`, { body: 'x' }),
          404,
          'BLOB_UPLOAD_UNKNOWN',
        );
        assertError(await ctx.client.delete(path), 404, 'BLOB_UPLOAD_UNKNOWN');
      }
    });

    it("an upload id used through another repository's name is BLOB_UPLOAD_UNKNOWN", async () => {
      const repo = repoName('sess');
      const other = repoName('sess');
      const blob = randomBlob(50);
      const location = await startUpload(ctx.client, repo);
      const id = location.split('/').pop()!.split('?')[0];
      const foreign = `/v2/${other}/blobs/uploads/${id}`;
      assertError(await ctx.client.get(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      assertError(await patch(ctx.client, foreign, blob.bytes), 404, 'BLOB_UPLOAD_UNKNOWN');
      assertError(
        await ctx.client.request('PUT', `${foreign}?digest=${blob.digest}`, { body: blob.bytes }),
        404,
        'BLOB_UPLOAD_UNKNOWN',
      );
      assertError(await ctx.client.delete(foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      // The session itself is untouched and still completes in its own repository.
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        body: blob.bytes,
      });
      assert.equal(done.status, 201, done.text);
      await assertNoBlob(ctx.client, other, blob.digest);
    });

    it('the same blob uploaded by concurrent sessions is stored once, whole', async () => {
      const repo = repoName('race');
      const blob = randomBlob(500_000);
      const locations = await Promise.all([1, 2, 3].map(() => startUpload(ctx.client, repoName('race'))));
      locations.push(await startUpload(ctx.client, repo));
      const results = await Promise.all(
        locations.map((l) => ctx.client.request('PUT', withQuery(l, { digest: blob.digest }), { body: blob.bytes })),
      );
      for (const res of results) assert.equal(res.status, 201, res.text);
      await assertBlob(ctx.client, repo, blob.bytes);
    });

    it('finished, cancelled and failed uploads leave no session or upload object behind', async (t) => {
      const before = await ctx.leftovers();
      if (!before) {
        t.skip('the backend under test cannot count its uploads');
        return;
      }
      const repo = repoName('leak');
      const blob = randomBlob(100_000);
      await ctx.client.pushBlob(repo, blob);
      const cancelled = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, cancelled, blob.bytes)).status, 202);
      assert.equal((await ctx.client.delete(cancelled)).status, 204);
      const wrong = await startUpload(ctx.client, repo);
      assert.equal((await patch(ctx.client, wrong, blob.bytes)).status, 202);
      assertError(
        await ctx.client.request('PUT', withQuery(wrong, { digest: randomBlob(1).digest })),
        400,
        'DIGEST_INVALID',
      );
      for (const digest of [randomBlob(1).digest, 'sha256:bad']) {
        const res = await ctx.client.request('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
          body: blob.bytes,
        });
        assertError(res, 400, 'DIGEST_INVALID');
      }
      const short = await ctx.client.request('POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        headers: { 'content-range': '0-9' },
        body: blob.bytes.subarray(0, 20),
      });
      assert.equal(short.status, 400, short.text);
      await rawRequest(ctx.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        headers: { 'content-length': blob.size },
        chunks: [blob.bytes.subarray(0, 30_000)],
        cutOff: true,
      });
      await eventually(async () => assert.deepEqual(await ctx.leftovers(), before));
    });

    it('two sessions for the same repository are independent', async () => {
      const repo = repoName('sess');
      const a = randomBlob(100);
      const b = randomBlob(100);
      const la = await startUpload(ctx.client, repo);
      const lb = await startUpload(ctx.client, repo);
      assert.notEqual(la, lb);
      assert.equal((await patch(ctx.client, la, a.bytes)).status, 202);
      assert.equal((await patch(ctx.client, lb, b.bytes)).status, 202);
      assert.equal((await ctx.client.request('PUT', withQuery(lb, { digest: b.digest }))).status, 201);
      assert.equal((await ctx.client.request('PUT', withQuery(la, { digest: a.digest }))).status, 201);
      await assertBlob(ctx.client, repo, a.bytes);
      await assertBlob(ctx.client, repo, b.bytes);
    });
  });
}
