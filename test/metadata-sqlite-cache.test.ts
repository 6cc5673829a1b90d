/**
 * The SQLite store caches the pull path's answers (manifest by tag/digest,
 * blob in repository). Each test changes the database by a path the cache
 * does not see directly and checks the next read tells the truth.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import type { ManifestRecord } from '../src/core/ports.ts';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function manifest(digest: string): ManifestRecord {
  return {
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 321,
    artifactType: null,
    subject: null,
    configDigest: null,
    annotations: null,
    createdAt: new Date().toISOString(),
  };
}

describe('sqlite pull-path cache', () => {
  let dir: string;
  let store: SqliteStore;
  let other: SqliteStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-sqlite-cache-'));
    store = await SqliteStore.open(join(dir, 'berth.db'));
    other = await SqliteStore.open(join(dir, 'berth.db'));
    await store.ensureRepository('c/app');
    await store.putManifest('c/app', manifest(d(1)), [], 'v1');
    await store.putManifest('c/app', manifest(d(2)), []);
  });
  after(async () => {
    await store.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Another connection's commit is seen from the next event-loop turn on (as the next request would). */
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const tagged = async (s: SqliteStore, tag = 'v1') => (await s.manifestByTag('c/app', tag))?.digest ?? null;

  it('answers repeated reads with the same frozen record', async () => {
    const a = await store.manifestByTag('c/app', 'v1');
    const b = await store.manifestByTag('c/app', 'v1');
    assert.equal(a?.digest, d(1));
    assert.equal(a, b, 'the second read is served from the cache');
    assert.ok(Object.isFrozen(a), 'callers cannot change a shared record');
  });

  it('sees a tag moved by another connection to the same file', async () => {
    assert.equal(await tagged(store), d(1));
    await other.putManifest('c/app', manifest(d(2)), [], 'v1');
    await nextTurn();
    assert.equal(await tagged(store), d(2));
    await other.putManifest('c/app', manifest(d(1)), [], 'v1');
    await nextTurn();
    assert.equal(await tagged(store), d(1));
  });

  it('sees a write made through Kysely on the same connection', async () => {
    assert.equal(await tagged(store), d(1));
    await store.db
      .updateTable('tags')
      .set({ digest: d(2) })
      .where('name', '=', 'v1')
      .execute();
    assert.equal(await tagged(store), d(2));
    await store.db.deleteFrom('tags').where('name', '=', 'v1').execute();
    assert.equal(await tagged(store), null);
    await store.putManifest('c/app', manifest(d(1)), [], 'v1');
    assert.equal(await tagged(store), d(1));
  });

  it('forgets what it read inside a transaction that rolled back', async () => {
    assert.equal(await tagged(store), d(1));
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tags')
          .set({ digest: d(2) })
          .where('name', '=', 'v1')
          .execute();
        // The same connection sees its own uncommitted write, and the cache may keep it.
        assert.equal(await tagged(store), d(2));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await tagged(store), d(1));
  });

  it('caches misses until the missing thing appears', async () => {
    assert.equal(await tagged(store, 'later'), null);
    assert.equal(await store.repositoryBlobSize('c/app', d(9)), null);
    await other.recordBlob(d(9), 77);
    await other.linkBlob('c/app', d(9));
    await other.putManifest('c/app', manifest(d(2)), [], 'later');
    await nextTurn();
    assert.equal(await store.repositoryBlobSize('c/app', d(9)), 77);
    assert.equal(await tagged(store, 'later'), d(2));
    assert.equal((await store.manifestByDigest('c/app', d(2)))?.size, 321);
    await store.unlinkBlob('c/app', d(9));
    assert.equal(await store.repositoryBlobSize('c/app', d(9)), null);
  });
});
