/** Manifest validation: digests, missing references, malformed documents, size limit, tags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  configBlob,
  DOCKER_MANIFEST,
  descriptor,
  digestOf,
  imageManifest,
  indexManifest,
  manifestDescriptor,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  randomBlob,
  repoName,
} from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';
import {
  assertManifest,
  assertNoManifest,
  assertPushed,
  imageIn,
  MAX_MANIFEST,
  paddedManifest,
} from './manifest-support.ts';

export function manifestValidationTests(ctx: SuiteContext): void {
  describe('manifest validation', () => {
    it('PUT by digest with a digest that does not match is 400 DIGEST_INVALID', async () => {
      const repo = repoName('inv');
      const m = await imageIn(ctx.client, repo);
      const wrong = digestOf(Buffer.concat([m.bytes, Buffer.from(' ')]));
      assertError(await ctx.client.putManifest(repo, wrong, m), 400, 'DIGEST_INVALID');
      await assertNoManifest(ctx.client, repo, wrong);
      await assertNoManifest(ctx.client, repo, m.digest);
    });

    it('a missing layer is 400 MANIFEST_BLOB_UNKNOWN and stores nothing', async () => {
      const repo = repoName('inv');
      const config = configBlob();
      const missing = randomBlob(100);
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [descriptor(missing, OCI_LAYER_GZIP)],
      });
      const res = await ctx.client.putManifest(repo, 'broken', m);
      assertError(res, 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.match(res.text, new RegExp(missing.digest));
      await assertNoManifest(ctx.client, repo, 'broken');
      await assertNoManifest(ctx.client, repo, m.digest);
    });

    it('a missing config is 400 MANIFEST_BLOB_UNKNOWN and stores nothing', async () => {
      const repo = repoName('inv');
      const layer = randomBlob(100);
      await ctx.client.pushBlob(repo, layer);
      const m = imageManifest({
        config: descriptor(configBlob(), OCI_CONFIG),
        layers: [descriptor(layer, OCI_LAYER_GZIP)],
      });
      assertError(await ctx.client.putManifest(repo, 'broken', m), 400, 'MANIFEST_BLOB_UNKNOWN');
      await assertNoManifest(ctx.client, repo, 'broken');
    });

    it('a layer present only in another repository is MANIFEST_BLOB_UNKNOWN', async () => {
      const repo = repoName('inv');
      const elsewhere = randomBlob(100);
      await ctx.client.pushBlob(repoName('inv'), elsewhere);
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [descriptor(elsewhere, OCI_LAYER_GZIP)],
      });
      assertError(await ctx.client.putManifest(repo, 'x', m), 400, 'MANIFEST_BLOB_UNKNOWN');
    });

    it('an index referencing a missing child manifest is MANIFEST_BLOB_UNKNOWN', async () => {
      const repo = repoName('inv');
      const present = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, present.digest, present);
      const absent = await imageIn(ctx.client, repo); // blobs pushed, manifest not
      const index = indexManifest({ manifests: [manifestDescriptor(present), manifestDescriptor(absent)] });
      const res = await ctx.client.putManifest(repo, 'idx', index);
      assertError(res, 400, 'MANIFEST_BLOB_UNKNOWN');
      assert.match(res.text, new RegExp(absent.digest));
      await assertNoManifest(ctx.client, repo, 'idx');
    });

    it('bad JSON is 400 MANIFEST_INVALID', async () => {
      const repo = repoName('inv');
      for (const text of ['{"schemaVersion":2,', 'not json', '[]', '"string"', '']) {
        const res = await ctx.client.request('PUT', `/v2/${repo}/manifests/bad`, {
          headers: { 'content-type': OCI_MANIFEST },
          body: text,
        });
        assertError(res, 400, 'MANIFEST_INVALID');
      }
      await assertNoManifest(ctx.client, repo, 'bad');
    });

    it('schemaVersion 1 (and the schema 1 media types) are 400 MANIFEST_INVALID', async () => {
      const repo = repoName('inv');
      const v1 = { schemaVersion: 1, name: repo, tag: 'old', architecture: 'amd64', fsLayers: [], history: [] };
      for (const type of [
        'application/vnd.docker.distribution.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        OCI_MANIFEST,
      ]) {
        const res = await ctx.client.request('PUT', `/v2/${repo}/manifests/old`, {
          headers: { 'content-type': type },
          body: JSON.stringify(v1),
        });
        assertError(res, 400, 'MANIFEST_INVALID');
      }
      await assertNoManifest(ctx.client, repo, 'old');
    });

    it('other schema versions and malformed descriptors are MANIFEST_INVALID', async () => {
      const repo = repoName('inv');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const good = { mediaType: OCI_CONFIG, digest: config.digest, size: config.size };
      const docs = [
        { schemaVersion: 3, mediaType: OCI_MANIFEST, config: good, layers: [] },
        { mediaType: OCI_MANIFEST, config: good, layers: [] },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: good },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...good, digest: 'sha256:short' }, layers: [] },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...good, size: -1 }, layers: [] },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...good, size: '12' }, layers: [] },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: good, layers: [{ digest: config.digest }] },
        { schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'none' },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: good, layers: [], annotations: { a: 1 } },
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config: good, layers: [], subject: { digest: 'x' } },
        { schemaVersion: 2, mediaType: 'application/vnd.example.unknown+json', config: good, layers: [] },
      ];
      for (const doc of docs) {
        const res = await ctx.client.request('PUT', `/v2/${repo}/manifests/bad`, {
          headers: { 'content-type': String(doc.mediaType ?? OCI_MANIFEST) },
          body: JSON.stringify(doc),
        });
        assertError(res, 400, 'MANIFEST_INVALID');
      }
      await assertNoManifest(ctx.client, repo, 'bad');
    });

    it('a Content-Type that contradicts the mediaType field is MANIFEST_INVALID', async () => {
      const repo = repoName('inv');
      const m = await imageIn(ctx.client, repo);
      for (const type of [OCI_INDEX, DOCKER_MANIFEST]) {
        assertError(await ctx.client.putManifest(repo, 'mix', m, type), 400, 'MANIFEST_INVALID');
      }
      await assertNoManifest(ctx.client, repo, 'mix');
    });

    it('an index body sent as an image manifest is MANIFEST_INVALID', async () => {
      const repo = repoName('inv');
      const child = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, child.digest, child);
      const body = JSON.stringify({ schemaVersion: 2, manifests: [manifestDescriptor(child)] });
      const res = await ctx.client.request('PUT', `/v2/${repo}/manifests/shape`, {
        headers: { 'content-type': OCI_MANIFEST },
        body,
      });
      assertError(res, 400, 'MANIFEST_INVALID');
    });

    it('a manifest over 4 MiB is refused with 413 and not stored', async () => {
      const repo = repoName('big');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = paddedManifest(config, MAX_MANIFEST + 1);
      const res = await ctx.client.putManifest(repo, 'huge', m);
      assertError(res, 413, 'MANIFEST_INVALID');
      await assertNoManifest(ctx.client, repo, 'huge');
      await assertNoManifest(ctx.client, repo, m.digest);
    });

    it('invalid tag names are refused and stored nowhere', async () => {
      const repo = repoName('inv');
      const m = await imageIn(ctx.client, repo);
      // A reference is a tag or a digest: anything else is an invalid manifest reference;
      // something shaped like a digest (a colon) is judged as one; percent-encoding is
      // refused for the whole path.
      const cases: [string, string][] = [
        ['-leading-dash', 'MANIFEST_INVALID'],
        ['.dot', 'MANIFEST_INVALID'],
        ['a'.repeat(129), 'MANIFEST_INVALID'],
        ['semi;colon', 'MANIFEST_INVALID'],
        ['plus+sign', 'MANIFEST_INVALID'],
        ['col:on', 'DIGEST_INVALID'],
        ['sp%20ace', 'NAME_INVALID'],
      ];
      for (const [tag, code] of cases) {
        assertError(await ctx.client.putManifest(repo, tag, m), 400, code);
      }
      assert.deepEqual((await ctx.client.get(`/v2/${repo}/tags/list`)).json(), { name: repo, tags: [] });
    });

    it('a read of an invalid tag is 404 MANIFEST_UNKNOWN (as the conformance suite expects); a write stays 400', async () => {
      const repo = repoName('inv');
      await ctx.client.pushImage(repo, 'v1');
      for (const tag of ['.INVALID_MANIFEST_NAME', '-leading-dash', 'a'.repeat(129), 'plus+sign']) {
        await assertNoManifest(ctx.client, repo, tag);
      }
      assertError(await ctx.client.get(`/v2/${repo}/manifests/col:on`), 400, 'DIGEST_INVALID');
    });

    it('the longest valid tag (128 characters) is accepted', async () => {
      const repo = repoName('inv');
      const m = await imageIn(ctx.client, repo);
      const tag = `A_${'x'.repeat(124)}.-`;
      assert.equal(tag.length, 128);
      assertPushed(await ctx.client.putManifest(repo, tag, m), repo, m);
      await assertManifest(ctx.client, repo, m, tag);
    });
  });
}
