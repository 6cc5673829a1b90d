/** Cross-repository blob mounts and repository-scoped blob visibility. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, randomBlob, repoName, withQuery } from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';

export function mountTests(ctx: SuiteContext): void {
  describe('cross-repository mounts', () => {
    it("a blob pushed to A is BLOB_UNKNOWN through B's name until mounted", async () => {
      const a = repoName('mount');
      const b = repoName('mount');
      const blob = randomBlob(700);
      await ctx.client.pushBlob(a, blob);
      await ctx.client.pushBlob(b, randomBlob(10)); // B exists, without the blob
      assertError(await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      assert.equal((await ctx.client.head(`/v2/${b}/blobs/${blob.digest}`)).status, 404);
      assertError(await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`, { range: 'bytes=0-9' }), 404, 'BLOB_UNKNOWN');

      const res = await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${a}`);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `/v2/${b}/blobs/${blob.digest}`);
      assert.equal(res.headers.get('docker-content-digest'), blob.digest);
      const get = await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`);
      assert.equal(get.status, 200);
      assert.ok(get.body.equals(blob.bytes));
    });

    it('mounting into a new repository creates it', async () => {
      const a = repoName('mount');
      const b = `${repoName('mount')}/nested`;
      const blob = randomBlob(70);
      await ctx.client.pushBlob(a, blob);
      const res = await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${a}`);
      assert.equal(res.status, 201, res.text);
      assert.equal((await ctx.client.head(`/v2/${b}/blobs/${blob.digest}`)).status, 200);
    });

    it('a mount stays after the source repository drops the blob', async () => {
      const a = repoName('mount');
      const b = repoName('mount');
      const blob = randomBlob(70);
      await ctx.client.pushBlob(a, blob);
      assert.equal(
        (await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${a}`)).status,
        201,
      );
      assert.equal((await ctx.client.delete(`/v2/${a}/blobs/${blob.digest}`)).status, 202);
      assert.equal((await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`)).status, 200);
    });

    it('when the source lacks the blob: 202 and an upload session that works', async () => {
      const a = repoName('mount');
      const b = repoName('mount');
      const blob = randomBlob(300);
      await ctx.client.pushBlob(a, randomBlob(5));
      const res = await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${a}`);
      assert.equal(res.status, 202, res.text);
      const location = res.headers.get('location');
      assert.ok(location);
      assert.ok(res.headers.get('docker-upload-uuid'));
      assert.equal(res.headers.get('range'), '0-0');
      const put = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), { body: blob.bytes });
      assert.equal(put.status, 201, put.text);
      assert.equal((await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`)).status, 200);
    });

    it('a source repository that does not exist falls back to an upload (202)', async () => {
      const blob = randomBlob(30);
      const res = await ctx.client.request(
        'POST',
        `/v2/${repoName('mount')}/blobs/uploads/?mount=${blob.digest}&from=${repoName('nowhere')}`,
      );
      assert.equal(res.status, 202, res.text);
      assert.ok(res.headers.get('location'));
    });

    it('a blob stored for another repository is not mountable from a third one that lacks it', async () => {
      const a = repoName('mount');
      const c = repoName('mount');
      const b = repoName('mount');
      const blob = randomBlob(30);
      await ctx.client.pushBlob(a, blob);
      await ctx.client.pushBlob(c, randomBlob(3));
      const res = await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${c}`);
      assert.equal(res.status, 202, res.text);
      assertError(await ctx.client.get(`/v2/${b}/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('mount without from falls back to an upload session (202)', async () => {
      const a = repoName('mount');
      const blob = randomBlob(30);
      await ctx.client.pushBlob(a, blob);
      const res = await ctx.client.request('POST', `/v2/${repoName('mount')}/blobs/uploads/?mount=${blob.digest}`);
      assert.equal(res.status, 202, res.text);
    });

    it('a malformed mount digest is 400 DIGEST_INVALID', async () => {
      const a = repoName('mount');
      await ctx.client.pushBlob(a, randomBlob(3));
      const res = await ctx.client.request('POST', `/v2/${repoName('mount')}/blobs/uploads/?mount=sha256:zz&from=${a}`);
      assertError(res, 400, 'DIGEST_INVALID');
    });

    it('an invalid from name falls back to an upload session (202)', async () => {
      const blob = randomBlob(30);
      const res = await ctx.client.request(
        'POST',
        `/v2/${repoName('mount')}/blobs/uploads/?mount=${blob.digest}&from=Not..Valid`,
      );
      assert.equal(res.status, 202, res.text);
    });
  });
}
