/** The lazily opened storage driver (S3's AWS SDK loads at the first object touched, not at start-up). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { lazyStorage } from '../src/adapters/storage/lazy.ts';

async function* chunks(...parts: Buffer[]): AsyncIterable<Buffer> {
  yield* parts;
}

test('opened at the first call, once for concurrent calls, again after a failed open; answers as the driver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-lazy-storage-'));
  try {
    let opens = 0;
    let fail = true;
    const storage = lazyStorage('fs', async () => {
      opens++;
      if (fail) throw new Error('endpoint down');
      return new FsDriver(dir);
    });
    assert.equal(opens, 0);
    assert.equal(storage.name, 'fs');
    await assert.rejects(storage.stat('a'), /endpoint down/);
    fail = false;
    await Promise.all([storage.put('a/b', Buffer.from('one')), storage.put('a/c', Buffer.from('two'))]);
    assert.equal(opens, 2);
    assert.equal((await storage.get('a/b'))?.toString(), 'one');
    assert.equal((await storage.stat('a/c'))?.size, 3);
    assert.equal(await storage.redirectUrl?.('a/b'), null);
    const listed = [];
    for await (const o of storage.list('a/')) listed.push(o.key);
    assert.deepEqual(listed.sort(), ['a/b', 'a/c']);
    await storage.deleteMany?.(['a/b', 'a/c', 'a/missing']);
    assert.equal(await storage.get('a/b'), null);
    const state = await storage.uploadStart('u1');
    const { state: after, written } = await storage.uploadAppend('u1', state, 0, chunks(Buffer.from('hello')));
    assert.equal(written, 5);
    await storage.uploadCommit('u1', after, 5, 'blobs/x');
    assert.equal((await storage.get('blobs/x'))?.toString(), 'hello');
    assert.equal(opens, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
