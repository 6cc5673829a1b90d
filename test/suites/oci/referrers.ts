/** The referrers API: GET /v2/<name>/referrers/<digest>, artifactType filtering. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  configBlob,
  descriptor,
  emptyConfig,
  imageManifest,
  indexManifest,
  type ManifestDoc,
  manifestDescriptor,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
  type RegistryClient,
  randomBlob,
  repoName,
} from '../../support/oci.ts';
import type { SuiteContext } from './context.ts';

const SIG = 'application/vnd.example.signature.v1';
const SBOM = 'application/vnd.example.sbom.v1';

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: {
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    annotations?: Record<string, string>;
  }[];
}

async function referrers(client: RegistryClient, repo: string, digest: string, artifactType?: string) {
  const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  const res = await client.get(`/v2/${repo}/referrers/${digest}${q}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), OCI_INDEX);
  const index = res.json() as ReferrersIndex;
  assert.equal(index.schemaVersion, 2);
  assert.equal(index.mediaType, OCI_INDEX);
  assert.ok(Array.isArray(index.manifests));
  return { res, index };
}

/** An artifact (empty config, one small layer) whose subject is `subject`. */
async function artifactFor(
  client: RegistryClient,
  repo: string,
  subject: ManifestDoc,
  artifactType: string,
  annotations?: Record<string, string>,
): Promise<ManifestDoc> {
  const layer = randomBlob(64);
  await client.pushBlobs(repo, emptyConfig, layer);
  const m = imageManifest({
    artifactType,
    config: descriptor(emptyConfig, OCI_EMPTY),
    layers: [descriptor(layer, 'application/octet-stream')],
    subject: manifestDescriptor(subject),
    annotations,
  });
  const res = await client.pushManifest(repo, m.digest, m);
  assert.equal(res.headers.get('oci-subject'), subject.digest);
  return m;
}

export function referrerTests(ctx: SuiteContext): void {
  describe('referrers', () => {
    it('lists the manifests whose subject is the digest, with artifactType and annotations', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      const sig = await artifactFor(ctx.client, repo, subject, SIG, { 'org.example.signer': 'alice' });
      const sbom = await artifactFor(ctx.client, repo, subject, SBOM);
      const { res, index } = await referrers(ctx.client, repo, subject.digest);
      assert.equal(res.headers.get('oci-filters-applied'), null);
      const byDigest = new Map(index.manifests.map((d) => [d.digest, d]));
      assert.equal(index.manifests.length, 2);
      assert.deepEqual(byDigest.get(sig.digest), {
        mediaType: OCI_MANIFEST,
        digest: sig.digest,
        size: sig.size,
        artifactType: SIG,
        annotations: { 'org.example.signer': 'alice' },
      });
      const s = byDigest.get(sbom.digest);
      assert.ok(s);
      assert.equal(s.artifactType, SBOM);
      assert.equal(s.size, sbom.size);
      assert.equal(s.mediaType, OCI_MANIFEST);
      assert.equal(s.annotations, undefined);
    });

    it('an image without artifactType is listed with its config media type', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const m = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [],
        subject: manifestDescriptor(subject),
      });
      await ctx.client.pushManifest(repo, m.digest, m);
      const { index } = await referrers(ctx.client, repo, subject.digest);
      assert.equal(index.manifests.length, 1);
      assert.equal(index.manifests[0].artifactType, OCI_CONFIG);
    });

    it('an index can be a referrer', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      const child = await artifactFor(ctx.client, repo, subject, SIG);
      const idx = indexManifest({
        artifactType: 'application/vnd.example.bundle',
        manifests: [manifestDescriptor(child)],
        subject: manifestDescriptor(subject),
      });
      const res = await ctx.client.pushManifest(repo, idx.digest, idx);
      assert.equal(res.headers.get('oci-subject'), subject.digest);
      const { index } = await referrers(ctx.client, repo, subject.digest);
      const entry = index.manifests.find((d) => d.digest === idx.digest);
      assert.ok(entry);
      assert.equal(entry.mediaType, OCI_INDEX);
      assert.equal(entry.artifactType, 'application/vnd.example.bundle');
    });

    it('?artifactType= filters and says so in OCI-Filters-Applied', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      const sig = await artifactFor(ctx.client, repo, subject, SIG);
      await artifactFor(ctx.client, repo, subject, SBOM);
      const { res, index } = await referrers(ctx.client, repo, subject.digest, SIG);
      assert.equal(res.headers.get('oci-filters-applied'), 'artifactType');
      assert.deepEqual(
        index.manifests.map((d) => d.digest),
        [sig.digest],
      );
      const none = await referrers(ctx.client, repo, subject.digest, 'application/vnd.example.none');
      assert.equal(none.res.headers.get('oci-filters-applied'), 'artifactType');
      assert.deepEqual(none.index.manifests, []);
    });

    it('referrers pushed before their subject are listed', async () => {
      const repo = repoName('ref');
      const config = configBlob();
      await ctx.client.pushBlob(repo, config);
      const subject = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [] });
      const sig = await artifactFor(ctx.client, repo, subject, SIG);
      const { index } = await referrers(ctx.client, repo, subject.digest);
      assert.deepEqual(
        index.manifests.map((d) => d.digest),
        [sig.digest],
      );
    });

    it('a digest without referrers gets an empty index (200)', async () => {
      const repo = repoName('ref');
      const { manifest } = await ctx.client.pushImage(repo, 'v1');
      assert.deepEqual((await referrers(ctx.client, repo, manifest.digest)).index.manifests, []);
      assert.deepEqual((await referrers(ctx.client, repo, randomBlob(3).digest)).index.manifests, []);
    });

    it('an unknown repository gets an empty index too (404 would mean "no referrers API")', async () => {
      const { index } = await referrers(ctx.client, repoName('nowhere'), randomBlob(3).digest);
      assert.deepEqual(index.manifests, []);
    });

    it('an empty artifactType parameter applies no filter', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      await artifactFor(ctx.client, repo, subject, SIG);
      await artifactFor(ctx.client, repo, subject, SBOM);
      const res = await ctx.client.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('oci-filters-applied'), null);
      assert.equal((res.json() as ReferrersIndex).manifests.length, 2);
    });

    it('referrers are scoped to the repository', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      await artifactFor(ctx.client, repo, subject, SIG);
      const other = repoName('ref');
      await ctx.client.pushImage(other, 'v1');
      assert.deepEqual((await referrers(ctx.client, other, subject.digest)).index.manifests, []);
    });

    it('a deleted referrer disappears from the list', async () => {
      const repo = repoName('ref');
      const { manifest: subject } = await ctx.client.pushImage(repo, 'v1');
      const sig = await artifactFor(ctx.client, repo, subject, SIG);
      const sbom = await artifactFor(ctx.client, repo, subject, SBOM);
      assert.equal((await ctx.client.delete(`/v2/${repo}/manifests/${sig.digest}`)).status, 202);
      const { index } = await referrers(ctx.client, repo, subject.digest);
      assert.deepEqual(
        index.manifests.map((d) => d.digest),
        [sbom.digest],
      );
    });

    it('a malformed digest is 400 DIGEST_INVALID; a tag is not accepted', async () => {
      const repo = repoName('ref');
      await ctx.client.pushImage(repo, 'v1');
      assertError(await ctx.client.get(`/v2/${repo}/referrers/sha256:nothex`), 400, 'DIGEST_INVALID');
      assertError(await ctx.client.get(`/v2/${repo}/referrers/v1`), 400, 'DIGEST_INVALID');
    });
  });
}
