/**
 * The shared MetadataStore suite: every metadata backend plugs in with a few
 * lines (see test/metadata-*.test.ts) and must pass all of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ManifestRecord, MetadataStore } from '../../src/core/ports.ts';

export interface StoreHandle {
  store: MetadataStore;
  cleanup(): Promise<void>;
}

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function manifest(digest: string, extra: Partial<ManifestRecord> = {}): ManifestRecord {
  return {
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 500,
    artifactType: 'application/vnd.oci.image.config.v1+json',
    subject: null,
    configDigest: null,
    annotations: null,
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function metadataStoreSuite(name: string, open: () => Promise<StoreHandle>): void {
  describe(`metadata store: ${name}`, () => {
    let handle: StoreHandle;
    let s: MetadataStore;
    before(async () => {
      handle = await open();
      s = handle.store;
    });
    after(async () => handle.cleanup());

    it('migrates twice without harm', async () => {
      await s.migrate();
    });

    it('creates repositories once and pages them in byte order', async () => {
      for (const n of ['r/b', 'r/a', 'r/C', 'r/a']) await s.ensureRepository(n);
      assert.equal(await s.repositoryExists('r/a'), true);
      assert.equal(await s.repositoryExists('r/zz'), false);
      const all = await s.listRepositories({});
      assert.deepEqual(
        all.filter((n) => n.startsWith('r/')),
        ['r/C', 'r/a', 'r/b'],
      );
      assert.deepEqual(await s.listRepositories({ n: 1, last: 'r/C' }), ['r/a']);
    });

    it('links blobs to repositories and keeps them apart', async () => {
      await s.ensureRepository('b/one');
      await s.ensureRepository('b/two');
      await s.recordBlob(d(1), 1234);
      await s.recordBlob(d(1), 1234); // idempotent
      assert.equal(await s.blobSize(d(1)), 1234);
      assert.equal(await s.repositoryBlobSize('b/one', d(1)), null);
      await s.linkBlob('b/one', d(1));
      await s.linkBlob('b/one', d(1));
      assert.equal(await s.repositoryBlobSize('b/one', d(1)), 1234);
      assert.equal(await s.repositoryBlobSize('b/two', d(1)), null);
      assert.deepEqual(await s.missingBlobs('b/one', [d(1), d(2)]), [d(2)]);
      assert.deepEqual(await s.missingBlobs('b/one', []), []);
      assert.equal(await s.unlinkBlob('b/one', d(1)), true);
      assert.equal(await s.unlinkBlob('b/one', d(1)), false);
      assert.equal(await s.repositoryBlobSize('b/one', d(1)), null);
      assert.equal(await s.blobSize(d(1)), 1234, 'unlinking keeps the stored blob');
    });

    it('keeps sizes above 4 GiB exact', async () => {
      const big = 5 * 1024 ** 3 + 7;
      await s.recordBlob(d(3), big);
      await s.linkBlob('b/one', d(3));
      assert.equal(await s.blobSize(d(3)), big);
      assert.equal(await s.repositoryBlobSize('b/one', d(3)), big);
    });

    it('forgets a blob and every link to it', async () => {
      await s.recordBlob(d(4), 10);
      await s.linkBlob('b/one', d(4));
      await s.linkBlob('b/two', d(4));
      await s.forgetBlob(d(4));
      assert.equal(await s.blobSize(d(4)), null);
      assert.equal(await s.repositoryBlobSize('b/two', d(4)), null);
      const all = await collect(s.allBlobs());
      assert.ok(!all.some((b) => b.digest === d(4)));
      assert.ok(all.some((b) => b.digest === d(3) && b.size === 5 * 1024 ** 3 + 7));
    });

    it('stores manifests with references and tags in one step', async () => {
      await s.ensureRepository('m/app');
      const m = manifest(d(10), { configDigest: d(11), annotations: '{"a":"b"}' });
      await s.putManifest(
        'm/app',
        m,
        [
          { digest: d(11), kind: 'blob' },
          { digest: d(12), kind: 'blob' },
        ],
        'v1',
      );
      assert.deepEqual(await s.manifestByDigest('m/app', d(10)), { ...m });
      assert.deepEqual((await s.manifestByTag('m/app', 'v1'))?.digest, d(10));
      assert.equal(await s.manifestByTag('m/app', 'v2'), null);
      assert.equal(await s.manifestByDigest('m/other', d(10)), null);
      const refs = await s.references('m/app', d(10));
      assert.deepEqual(refs.map((r) => r.digest).sort(), [d(11), d(12)]);
      assert.deepEqual(await s.missingManifests('m/app', [d(10), d(13)]), [d(13)]);
    });

    it('moves a tag to a new manifest', async () => {
      await s.putManifest('m/app', manifest(d(20)), [], 'v1');
      assert.equal((await s.manifestByTag('m/app', 'v1'))?.digest, d(20));
      assert.deepEqual(await s.tagsOf('m/app', d(10)), []);
      assert.deepEqual(await s.tagsOf('m/app', d(20)), ['v1']);
    });

    it('pages tags in byte order', async () => {
      for (const t of ['b', 'a', 'Z', '1.0', 'latest']) await s.putManifest('m/app', manifest(d(20)), [], t);
      assert.deepEqual(await s.listTags('m/app', {}), ['1.0', 'Z', 'a', 'b', 'latest', 'v1']);
      assert.deepEqual(await s.listTags('m/app', { n: 2 }), ['1.0', 'Z']);
      assert.deepEqual(await s.listTags('m/app', { n: 2, last: 'Z' }), ['a', 'b']);
      assert.deepEqual(await s.listTags('m/app', { last: 'v1' }), []);
    });

    it('deletes a tag alone, and a manifest with its tags', async () => {
      assert.equal(await s.deleteTag('m/app', 'b'), true);
      assert.equal(await s.deleteTag('m/app', 'b'), false);
      assert.ok(await s.manifestByDigest('m/app', d(20)));
      assert.equal(await s.deleteManifest('m/app', d(20)), true);
      assert.equal(await s.deleteManifest('m/app', d(20)), false);
      assert.deepEqual(await s.listTags('m/app', {}), []);
      assert.equal(await s.manifestByTag('m/app', 'a'), null);
      assert.ok(await s.manifestByDigest('m/app', d(10)), 'other manifests stay');
    });

    it('finds referrers by subject within a repository', async () => {
      await s.putManifest('m/app', manifest(d(30), { subject: d(10), artifactType: 'application/x.sig' }), []);
      await s.putManifest('m/app', manifest(d(31), { subject: d(10), artifactType: 'application/x.sbom' }), []);
      await s.ensureRepository('m/else');
      await s.putManifest('m/else', manifest(d(32), { subject: d(10) }), []);
      const refs = await s.referrers('m/app', d(10));
      assert.deepEqual(refs.map((r) => r.digest).sort(), [d(30), d(31)]);
      assert.deepEqual(await s.referrers('m/app', d(99)), []);
    });

    it('lists every manifest of every repository', async () => {
      const all = await collect(s.allManifests());
      const keys = all.map((x) => `${x.repository}@${x.manifest.digest}`);
      for (const k of [`m/app@${d(10)}`, `m/app@${d(30)}`, `m/else@${d(32)}`]) assert.ok(keys.includes(k), k);
    });

    it('keeps upload sessions with their driver state', async () => {
      const now = new Date().toISOString();
      const id = '00000000-0000-4000-8000-000000000001';
      await s.createUpload({ id, repository: 'u/app', size: 0, state: { parts: [] }, createdAt: now, updatedAt: now });
      await s.updateUpload(id, 6 * 1024 ** 3, { parts: [{ n: 1, etag: 'x' }] });
      const u = await s.getUpload(id);
      assert.equal(u?.size, 6 * 1024 ** 3);
      assert.deepEqual(u?.state, { parts: [{ n: 1, etag: 'x' }] });
      assert.ok((await s.listUploads()).some((x) => x.id === id));
      await s.deleteUpload(id);
      assert.equal(await s.getUpload(id), null);
    });

    it('deletes a repository with everything in it', async () => {
      assert.equal(await s.deleteRepository('m/app'), true);
      assert.equal(await s.repositoryExists('m/app'), false);
      assert.equal(await s.manifestByDigest('m/app', d(10)), null);
      assert.deepEqual(await s.referrers('m/app', d(10)), []);
      assert.ok(await s.manifestByDigest('m/else', d(32)), 'other repositories stay');
      assert.equal(await s.deleteRepository('m/app'), false);
    });
  });
}
