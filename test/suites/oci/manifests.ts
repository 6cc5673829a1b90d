/** Manifests: every media type, exact bytes, delete semantics, layer kinds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  configBlob,
  DOCKER_CONFIG,
  DOCKER_FOREIGN,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  descriptor,
  digestOf,
  emptyConfig,
  imageManifest,
  indexManifest,
  manifestDescriptor,
  manifestOf,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDIST,
  OCI_LAYER_ZSTD,
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

export function manifestTests(ctx: SuiteContext): void {
  describe('manifest push and pull', () => {
    it('OCI image manifest: PUT by tag, GET/HEAD by tag and digest', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      assertPushed(await ctx.client.putManifest(repo, 'v1', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'v1');
    });

    it('OCI image manifest: PUT by digest stores it untagged', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      assertPushed(await ctx.client.putManifest(repo, m.digest, m), repo, m);
      await assertManifest(ctx.client, repo, m);
      const tags = await ctx.client.get(`/v2/${repo}/tags/list`);
      assert.deepEqual(tags.json(), { name: repo, tags: [] });
    });

    it('OCI image manifest without a mediaType field is accepted by its Content-Type', async () => {
      const repo = repoName('man');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [], omitMediaType: true });
      assertPushed(await ctx.client.putManifest(repo, 'bare', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'bare');
    });

    it('Docker schema 2 manifest', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo, true);
      assertPushed(await ctx.client.putManifest(repo, 'docker', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'docker');
    });

    it('OCI index over two platform manifests', async () => {
      const repo = repoName('man');
      const amd = await imageIn(ctx.client, repo);
      const arm = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, amd.digest, amd);
      await ctx.client.pushManifest(repo, arm.digest, arm);
      const index = indexManifest({
        manifests: [
          manifestDescriptor(amd, { platform: { architecture: 'amd64', os: 'linux' } }),
          manifestDescriptor(arm, { platform: { architecture: 'arm64', os: 'linux' } }),
        ],
        annotations: { 'org.opencontainers.image.ref.name': 'multi' },
      });
      assertPushed(await ctx.client.putManifest(repo, 'multi', index), repo, index);
      await assertManifest(ctx.client, repo, index, 'multi');
      await assertManifest(ctx.client, repo, amd);
    });

    it('Docker manifest list over Docker manifests', async () => {
      const repo = repoName('man');
      const a = await imageIn(ctx.client, repo, true);
      const b = await imageIn(ctx.client, repo, true);
      await ctx.client.pushManifest(repo, a.digest, a);
      await ctx.client.pushManifest(repo, b.digest, b);
      const list = indexManifest({
        mediaType: DOCKER_LIST,
        manifests: [
          manifestDescriptor(a, { platform: { architecture: 'amd64', os: 'linux' } }),
          manifestDescriptor(b, { platform: { architecture: 'arm64', os: 'linux' } }),
        ],
      });
      assertPushed(await ctx.client.putManifest(repo, 'list', list), repo, list);
      await assertManifest(ctx.client, repo, list, 'list');
    });

    it('an artifact with artifactType and the empty config', async () => {
      const repo = repoName('art');
      const payload = randomBlob(100);
      await ctx.client.pushBlobs(repo, emptyConfig, payload);
      const m = imageManifest({
        artifactType: 'application/vnd.example.thing.v1',
        config: descriptor(emptyConfig, OCI_EMPTY),
        layers: [descriptor(payload, 'application/vnd.example.thing.layer.v1+tar')],
      });
      assertPushed(await ctx.client.putManifest(repo, 'thing', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'thing');
      const config = await ctx.client.get(`/v2/${repo}/blobs/${emptyConfig.digest}`);
      assert.equal(config.text, '{}');
    });

    it('a manifest with subject answers OCI-Subject, even before the subject exists', async () => {
      const repo = repoName('subj');
      const subject = await imageIn(ctx.client, repo);
      await ctx.client.pushBlob(repo, emptyConfig);
      const sig = imageManifest({
        artifactType: 'application/vnd.example.signature',
        config: descriptor(emptyConfig, OCI_EMPTY),
        layers: [descriptor(emptyConfig, OCI_EMPTY)],
        subject: manifestDescriptor(subject),
      });
      const res = await ctx.client.putManifest(repo, sig.digest, sig);
      assertPushed(res, repo, sig);
      assert.equal(res.headers.get('oci-subject'), subject.digest);
      await ctx.client.pushManifest(repo, 'subject', subject);
      await assertManifest(ctx.client, repo, sig);
    });

    it('a manifest without subject has no OCI-Subject header', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      const res = await ctx.client.putManifest(repo, 't', m);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('oci-subject'), null);
    });

    it('exact bytes are kept: odd whitespace and key order round-trip, digest of those bytes', async () => {
      const repo = repoName('bytes');
      const config = configBlob();
      const layer = randomBlob(100);
      await ctx.client.pushBlobs(repo, config, layer);
      const text =
        `{\n\t"layers" : [ {"size":${layer.size},   "digest":"${layer.digest}","mediaType":"${OCI_LAYER_GZIP}"} ],\r\n` +
        `  "config":{"digest":"${config.digest}","size":${config.size},"mediaType":"${OCI_CONFIG}"},` +
        `"schemaVersion" :2, "mediaType":"${OCI_MANIFEST}" ,"annotations":{"z":"1","a":"\\u00e9t\\u00e9"}}\n\n`;
      const m = manifestOf(text, OCI_MANIFEST);
      assertPushed(await ctx.client.putManifest(repo, 'odd', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'odd');
      assert.equal(m.digest, digestOf(Buffer.from(text)));
    });

    it('a manifest of exactly 4 MiB is accepted', async () => {
      const repo = repoName('big');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = paddedManifest(config, MAX_MANIFEST);
      assert.equal(m.size, MAX_MANIFEST);
      assertPushed(await ctx.client.putManifest(repo, 'max', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'max');
    });

    it('pushing the same manifest under a second tag and re-pushing it are idempotent', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'a', m);
      await ctx.client.pushManifest(repo, 'b', m);
      await ctx.client.pushManifest(repo, 'a', m);
      await ctx.client.pushManifest(repo, m.digest, m);
      assert.deepEqual((await ctx.client.get(`/v2/${repo}/tags/list`)).json(), { name: repo, tags: ['a', 'b'] });
    });

    it('moving a tag points it at the new manifest', async () => {
      const repo = repoName('man');
      const m1 = await imageIn(ctx.client, repo);
      const m2 = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'latest', m1);
      await ctx.client.pushManifest(repo, 'latest', m2);
      await assertManifest(ctx.client, repo, m2, 'latest');
      await assertManifest(ctx.client, repo, m1); // still there by digest
    });

    it('a manifest pushed by sha512 digest is served under it', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      const d512 = digestOf(m.bytes, 'sha512');
      const res = await ctx.client.putManifest(repo, d512, m);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('docker-content-digest'), d512);
      const get = await ctx.client.get(`/v2/${repo}/manifests/${d512}`);
      assert.equal(get.status, 200);
      assert.ok(get.body.equals(m.bytes));
    });

    it('a manifest of one repository is MANIFEST_UNKNOWN in another', async () => {
      const repo = repoName('man');
      const m = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'v1', m);
      const other = repoName('man');
      await ctx.client.pushImage(other, 'v1');
      assertError(await ctx.client.get(`/v2/${other}/manifests/${m.digest}`), 404, 'MANIFEST_UNKNOWN');
    });

    it('an unknown tag or digest is 404 MANIFEST_UNKNOWN', async () => {
      const repo = repoName('man');
      await ctx.client.pushImage(repo, 'v1');
      await assertNoManifest(ctx.client, repo, 'nope');
      await assertNoManifest(ctx.client, repo, randomBlob(4).digest);
      await assertNoManifest(ctx.client, repoName('never'), 'latest');
    });

    it('a malformed digest reference is 400 DIGEST_INVALID', async () => {
      const repo = repoName('man');
      await ctx.client.pushImage(repo, 'v1');
      for (const ref of ['sha256:abc', `sha256:${'Z'.repeat(64)}`]) {
        assertError(await ctx.client.get(`/v2/${repo}/manifests/${ref}`), 400, 'DIGEST_INVALID');
      }
    });
  });

  describe('layer kinds', () => {
    it('zstd layers push and pull like any other', async () => {
      const repo = repoName('zstd');
      const config = configBlob();
      const layer = randomBlob(2000);
      await ctx.client.pushBlobs(repo, config, layer);
      const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_ZSTD)] });
      assertPushed(await ctx.client.putManifest(repo, 'zstd', m), repo, m);
      await assertManifest(ctx.client, repo, m, 'zstd');
      const blob = await ctx.client.get(`/v2/${repo}/blobs/${layer.digest}`);
      assert.ok(blob.body.equals(layer.bytes));
    });

    it('OCI non-distributable layers with urls need not be pushed', async () => {
      const repo = repoName('foreign');
      const config = configBlob();
      const local = randomBlob(100);
      const foreign = randomBlob(100); // never pushed
      await ctx.client.pushBlobs(repo, config, local);
      const m = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [
          descriptor(foreign, OCI_LAYER_NONDIST, { urls: ['https://example.com/layer.tar.gz'] }),
          descriptor(local, OCI_LAYER_GZIP),
        ],
      });
      assertPushed(await ctx.client.putManifest(repo, 'win', m), repo, m);
      assertError(await ctx.client.get(`/v2/${repo}/blobs/${foreign.digest}`), 404, 'BLOB_UNKNOWN');
    });

    it('Docker foreign layers with urls need not be pushed', async () => {
      const repo = repoName('foreign');
      const config = configBlob();
      const foreign = randomBlob(100);
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({
        mediaType: DOCKER_MANIFEST,
        config: descriptor(config, DOCKER_CONFIG),
        layers: [descriptor(foreign, DOCKER_FOREIGN, { urls: ['https://example.com/base.tar.gz'] })],
      });
      assertPushed(await ctx.client.putManifest(repo, 'win', m), repo, m);
    });

    it('a non-distributable layer without urls must be pushed like any other', async () => {
      const repo = repoName('foreign');
      const config = configBlob();
      const missing = randomBlob(100);
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [descriptor(missing, OCI_LAYER_NONDIST)],
      });
      assertError(await ctx.client.putManifest(repo, 'x', m), 400, 'MANIFEST_BLOB_UNKNOWN');
    });
  });

  describe('manifest delete', () => {
    it('DELETE by tag: 202, removes only the tag', async () => {
      const repo = repoName('del');
      const m = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'one', m);
      await ctx.client.pushManifest(repo, 'two', m);
      const del = await ctx.client.delete(`/v2/${repo}/manifests/one`);
      assert.equal(del.status, 202);
      await assertNoManifest(ctx.client, repo, 'one');
      await assertManifest(ctx.client, repo, m, 'two');
      assert.deepEqual((await ctx.client.get(`/v2/${repo}/tags/list`)).json(), { name: repo, tags: ['two'] });
    });

    it('DELETE by digest: 202, removes the manifest and every tag pointing to it', async () => {
      const repo = repoName('del');
      const m = await imageIn(ctx.client, repo);
      const keep = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'one', m);
      await ctx.client.pushManifest(repo, 'two', m);
      await ctx.client.pushManifest(repo, 'keep', keep);
      const del = await ctx.client.delete(`/v2/${repo}/manifests/${m.digest}`);
      assert.equal(del.status, 202);
      await assertNoManifest(ctx.client, repo, m.digest);
      await assertNoManifest(ctx.client, repo, 'one');
      await assertNoManifest(ctx.client, repo, 'two');
      await assertManifest(ctx.client, repo, keep, 'keep');
      assert.deepEqual((await ctx.client.get(`/v2/${repo}/tags/list`)).json(), { name: repo, tags: ['keep'] });
    });

    it('a manifest deleted in one repository stays in another', async () => {
      const a = repoName('del');
      const b = repoName('del');
      const m = await imageIn(ctx.client, a);
      for (const blob of (m.json.layers as { digest: string }[]).concat([m.json.config as { digest: string }])) {
        await ctx.client.request('POST', `/v2/${b}/blobs/uploads/?mount=${blob.digest}&from=${a}`);
      }
      await ctx.client.pushManifest(a, 'v', m);
      await ctx.client.pushManifest(b, 'v', m);
      assert.equal((await ctx.client.delete(`/v2/${a}/manifests/${m.digest}`)).status, 202);
      await assertManifest(ctx.client, b, m, 'v');
    });

    it('a deleted manifest can be pushed again', async () => {
      const repo = repoName('del');
      const m = await imageIn(ctx.client, repo);
      await ctx.client.pushManifest(repo, 'v', m);
      assert.equal((await ctx.client.delete(`/v2/${repo}/manifests/${m.digest}`)).status, 202);
      await ctx.client.pushManifest(repo, 'v', m);
      await assertManifest(ctx.client, repo, m, 'v');
    });

    it('DELETE of an unknown tag or digest is 404 MANIFEST_UNKNOWN', async () => {
      const repo = repoName('del');
      await ctx.client.pushImage(repo, 'v');
      assertError(await ctx.client.delete(`/v2/${repo}/manifests/nope`), 404, 'MANIFEST_UNKNOWN');
      assertError(await ctx.client.delete(`/v2/${repo}/manifests/${randomBlob(3).digest}`), 404, 'MANIFEST_UNKNOWN');
    });
  });
}
