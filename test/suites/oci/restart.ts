/** What must outlive a restart of the registry: upload sessions, blobs, manifests, tags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, randomBlob, repoName, withQuery } from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';
import { startUpload } from './uploads.ts';

export function restartTests(ctx: SuiteContext): void {
  describe('restart', () => {
    it('upload sessions, blobs, manifests and tags survive a restart', async (t) => {
      if (!ctx.canRestart) {
        t.skip('the backend under test cannot restart');
        return;
      }
      const repo = repoName('restart');
      const { manifest, blobs } = await ctx.client.pushImage(repo, 'kept');
      const blob = randomBlob(300_000);
      const location = await startUpload(ctx.client, repo);
      const first = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': '0-99999' },
        body: blob.bytes.subarray(0, 100_000),
      });
      assert.equal(first.status, 202, first.text);
      const abandoned = await startUpload(ctx.client, repo);
      assert.equal((await ctx.client.delete(abandoned)).status, 204);

      await ctx.restart();

      const status = await ctx.client.get(location);
      assert.equal(status.status, 204, status.text);
      assert.equal(status.headers.get('range'), '0-99999');
      assertError(await ctx.client.get(abandoned), 404, 'BLOB_UPLOAD_UNKNOWN');
      const rest = await ctx.client.request('PATCH', location, {
        headers: { 'content-range': '100000-299999' },
        body: blob.bytes.subarray(100_000),
      });
      assert.equal(rest.status, 202, rest.text);
      // A wrong digest is still caught after the restart (the hash is recomputed from storage).
      const wrong = randomBlob(8).digest;
      assertError(await ctx.client.request('PUT', withQuery(location, { digest: wrong })), 400, 'DIGEST_INVALID');

      const again = await startUpload(ctx.client, repo);
      await ctx.restart();
      const put = await ctx.client.request('PUT', withQuery(again, { digest: blob.digest }), { body: blob.bytes });
      assert.equal(put.status, 201, put.text);
      const get = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.ok(get.body.equals(blob.bytes));

      const m = await ctx.client.get(`/v2/${repo}/manifests/kept`);
      assert.equal(m.status, 200);
      assert.ok(m.body.equals(manifest.bytes));
      for (const b of blobs) assert.equal((await ctx.client.head(`/v2/${repo}/blobs/${b.digest}`)).status, 200);
    });

    it('a session resumed after a restart verifies the digest over all its bytes', async (t) => {
      if (!ctx.canRestart) {
        t.skip('the backend under test cannot restart');
        return;
      }
      const repo = repoName('restart');
      const blob = randomBlob(50_000);
      const location = await startUpload(ctx.client, repo);
      const half = await ctx.client.request('PATCH', location, { body: blob.bytes.subarray(0, 25_000) });
      assert.equal(half.status, 202);
      await ctx.restart();
      const done = await ctx.client.request('PUT', withQuery(location, { digest: blob.digest }), {
        headers: { 'content-range': '25000-49999' },
        body: blob.bytes.subarray(25_000),
      });
      assert.equal(done.status, 201, done.text);
      const get = await ctx.client.get(`/v2/${repo}/blobs/${blob.digest}`);
      assert.ok(get.body.equals(blob.bytes));
    });
  });
}
