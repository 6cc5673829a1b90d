/**
 * Upload hashing off the event loop (src/adapters/hashing/worker-sha256.ts) and
 * the core's fallback when a running hash fails: the digest is then computed
 * from the stored bytes, so a verified blob never depends on the hashing thread.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkerSha256 } from '../src/adapters/hashing/worker-sha256.ts';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { digestOf, inlineHash } from '../src/core/digest.ts';
import type { RunningHash } from '../src/core/ports.ts';
import { Registry } from '../src/core/registry.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Feeds `data` in pieces of the given sizes (cycled), honouring backpressure. */
async function feed(hash: RunningHash, data: Buffer, sizes: number[]): Promise<void> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const piece = data.subarray(offset, offset + sizes[i % sizes.length]);
    offset += piece.length;
    const wait = hash.update(piece);
    if (wait) await wait;
  }
}

async function* chunksOf(data: Buffer, size: number): AsyncIterable<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

describe('WorkerSha256', () => {
  const hashing = new WorkerSha256();
  after(() => hashing.close());

  it('gives the same digest as node:crypto for empty, small, and multi-stage inputs in odd pieces', async () => {
    for (const size of [0, 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 21 * 1024 * 1024 + 7]) {
      const data = randomBytes(size);
      const hash = hashing.factory();
      await feed(hash, data, [65_536, 1, 3_000_001, 17]);
      assert.equal(await hash.digest(), sha256(data), `size ${size}`);
    }
  });

  it('keeps interleaved hashes apart and forgets a dropped one', async () => {
    const inputs = [randomBytes(5_000_000), randomBytes(3_333_333), randomBytes(12_000_000)];
    const hashes = inputs.map(() => hashing.factory());
    const dropped = hashing.factory();
    dropped.update(randomBytes(2_000_000));
    dropped.drop();
    // Round-robin 100 KB pieces across the three, as concurrent uploads would arrive.
    for (let offset = 0; offset < 12_000_000; offset += 100_000) {
      for (const [i, hash] of hashes.entries()) {
        const piece = inputs[i].subarray(offset, offset + 100_000);
        if (piece.length === 0) continue;
        const wait = hash.update(piece);
        if (wait) await wait;
      }
    }
    const digests = await Promise.all(hashes.map((h) => h.digest()));
    assert.deepEqual(
      digests,
      inputs.map((d) => sha256(d)),
    );
    assert.throws(() => hashes[0].update(Buffer.from('late')), /finished/);
  });

  it('holds no staging buffer for a settled hash: abandoned uploads cannot starve new ones', {
    timeout: 20_000,
  }, async () => {
    const abandoned = Array.from({ length: 12 }, () => hashing.factory());
    for (const hash of abandoned) {
      await feed(hash, randomBytes(100_000), [65_536]); // a partly filled 1 MiB stage each
      hash.settle(); // the request ended; the client never comes back
    }
    const data = randomBytes(20 * 1024 * 1024);
    const fresh = hashing.factory();
    await feed(fresh, data, [65_536]);
    assert.equal(await fresh.digest(), sha256(data));
    for (const hash of abandoned) hash.drop();
  });

  it('fails a running hash when its thread stops, and hashes later ones on a new thread', async () => {
    const local = new WorkerSha256();
    const hash = local.factory();
    await feed(hash, randomBytes(3_000_000), [65_536]);
    await local.close();
    await assert.rejects(hash.digest(), /stopped/);
    const next = local.factory();
    const data = randomBytes(2_500_000);
    await feed(next, data, [65_536]);
    assert.equal(await next.digest(), sha256(data));
    await local.close();
  });
});

describe('WorkerSha256 when idle', () => {
  it('stops its thread once no hash is open, and starts one again when needed', async () => {
    const local = new WorkerSha256(50);
    const open = local.factory();
    const hash = local.factory();
    hash.update(Buffer.from('abc'));
    assert.equal(await hash.digest(), sha256(Buffer.from('abc')));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(local.threadRunning, true, 'a hash is still open');
    open.drop();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(local.threadRunning, false);
    const again = local.factory();
    again.update(Buffer.from('xyz'));
    assert.equal(await again.digest(), sha256(Buffer.from('xyz')));
    await assert.rejects(again.digest(), /finished/);
    await local.close();
  });
});

describe('uploads whose running hash fails', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function registryWith(hashes: () => RunningHash): Promise<{ registry: Registry; root: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-hashing-'));
    dirs.push(dir);
    const metadata = await SqliteStore.open(join(dir, 'meta.db'));
    const root = join(dir, 'storage');
    return { registry: new Registry({ storage: new FsDriver(root), metadata, hashes }), root };
  }

  /** A hash that takes bytes but cannot answer, like one whose thread died. */
  const broken = (): RunningHash => ({
    update: () => undefined,
    settle() {},
    digest: () => Promise.reject(new Error('hashing thread stopped')),
    drop() {},
  });

  it('verifies the digest from the stored bytes instead', async () => {
    const { registry } = await registryWith(broken);
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const digest = digestOf(data);
    const upload = await registry.uploads.start('team/app');
    await registry.uploads.append('team/app', upload.id, chunksOf(data, 1024 * 1024));
    const done = await registry.uploads.finish('team/app', upload.id, digest, null);
    assert.deepEqual(done, { digest, size: data.length });
    assert.equal(await registry.metadata.repositoryBlobSize('team/app', digest), data.length);
  });

  it('still refuses a wrong digest and keeps nothing', async () => {
    const { registry, root } = await registryWith(broken);
    const data = randomBytes(100_000);
    const upload = await registry.uploads.start('team/app');
    await registry.uploads.append('team/app', upload.id, chunksOf(data, 65_536));
    const wrong = digestOf(Buffer.from('something else'));
    await assert.rejects(registry.uploads.finish('team/app', upload.id, wrong, null), { code: 'DIGEST_INVALID' });
    assert.equal(await registry.metadata.blobSize(wrong), null);
    assert.equal(await registry.metadata.getUpload(upload.id), null);
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
  });

  it("takes a caller's digest of the body it passes (a proxy fill's) instead of hashing it again, and refuses a wrong one", async () => {
    let updates = 0;
    const counting = (): RunningHash => {
      const h = inlineHash();
      return {
        ...h,
        update: (c) => {
          updates++;
          return h.update(c);
        },
      };
    };
    const { registry, root } = await registryWith(counting);
    const data = randomBytes(200_000);
    const digest = digestOf(data);
    await registry.uploads.monolithic('team/app', digest, chunksOf(data, 65_536), {
      length: data.length,
      bodyDigest: Promise.resolve(digest),
    });
    assert.equal(updates, 0, 'the bytes were not hashed a second time');
    assert.equal(await registry.metadata.blobSize(digest), data.length);
    // The caller's digest says the bytes are not the blob's (a corrupt fill): nothing is stored.
    const other = randomBytes(1000);
    await assert.rejects(
      registry.uploads.monolithic('team/app', digestOf(other), chunksOf(data, 65_536), {
        bodyDigest: Promise.resolve(digest),
      }),
      { code: 'DIGEST_INVALID' },
    );
    assert.equal(await registry.metadata.blobSize(digestOf(other)), null);
    // A failed caller hash: the upload re-reads its bytes and finds the truth itself.
    const third = randomBytes(50_000);
    const died = () => {
      const p = Promise.reject(new Error('hashing thread died'));
      p.catch(() => {}); // as the fill does: it is asked for later
      return p;
    };
    await assert.rejects(
      registry.uploads.monolithic('team/app', digestOf(other), chunksOf(third, 65_536), {
        bodyDigest: died(),
      }),
      { code: 'DIGEST_INVALID' },
    );
    await registry.uploads.monolithic('team/app', digestOf(third), chunksOf(third, 65_536), {
      bodyDigest: died(),
    });
    assert.equal(await registry.metadata.blobSize(digestOf(third)), third.length);
    assert.deepEqual(await readdir(join(root, 'uploads')), []);
  });
});
