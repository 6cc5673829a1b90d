/**
 * The storage-driver test suite every StorageDriver passes (fs, S3…). A
 * driver's test file plugs in with:
 *
 *   storageDriverSuite('fs', async () => ({ driver, cleanup }));
 *
 * `makeDriver` is called before each test and must give an empty store of
 * its own; `cleanup` removes it after the test.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ByteRange, StorageDriver, UploadState } from '../../src/core/ports.ts';
import { NotFoundError } from '../../src/core/ports.ts';

export interface DriverFixture {
  driver: StorageDriver;
  cleanup: () => Promise<void>;
}

const MiB = 1024 * 1024;
const TIMEOUT = 180_000;

// ---------------------------------------------------------------- helpers

/** Yields `data` in slices of the given sizes, repeated until it is all out. */
async function* slices(data: Buffer, sizes: number[] = [64 * 1024 + 7, 1 * MiB + 3, 333]): AsyncIterable<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length];
    yield data.subarray(at, at + size);
    at += size;
  }
}

/** Yields the first `failAt` bytes of `data`, then throws (a client that hung up). */
async function* interrupted(data: Buffer, failAt: number): AsyncIterable<Buffer> {
  for await (const chunk of slices(data.subarray(0, failAt))) yield chunk;
  throw new Error('connection reset by test');
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A destination that keeps what it is given; `delay` slows it to about 64 MiB/s. */
class Sink extends Writable {
  chunks: Buffer[] = [];
  received = 0;
  maxBuffered = 0;
  constructor(private readonly slow = false) {
    super({ highWaterMark: 256 * 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    // A copy: a driver may reuse a chunk's buffer once its write callback ran
    // (the fs driver does, for speed), so `dest` must not keep chunks it was given.
    this.chunks.push(Buffer.from(chunk));
    this.received += chunk.length;
    if (this.slow) setTimeout(done, Math.ceil(chunk.length / (64 * 1024)));
    else done();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function sendAll(driver: StorageDriver, key: string, range?: ByteRange): Promise<Buffer> {
  const sink = new Sink();
  await driver.send(key, sink, range);
  assert.equal(sink.writableEnded, false, 'send must not end the destination');
  return sink.bytes();
}

async function keysUnder(driver: StorageDriver, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const info of driver.list(prefix)) {
    assert.equal(found.has(info.key), false, `list returned ${info.key} twice`);
    found.set(info.key, info.size);
  }
  return found;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const blobKey = (data: Buffer) => {
  const hex = sha256(data);
  return `blobs/sha256/${hex.slice(0, 2)}/${hex}`;
};
/** The state as it comes back from the metadata store: JSON, on any node. */
const stored = (state: UploadState): UploadState => JSON.parse(JSON.stringify(state));

/** Byte-exact comparison with a short message instead of a multi-megabyte diff. */
function sameBytes(actual: Buffer, expected: Buffer, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(actual.equals(expected), `${what}: bytes differ (sha256 ${sha256(actual)} vs ${sha256(expected)})`);
}

// ---------------------------------------------------------------- suite

export function storageDriverSuite(name: string, makeDriver: () => Promise<DriverFixture>): void {
  describe(`storage driver: ${name}`, { timeout: TIMEOUT }, () => {
    let fixture: DriverFixture | undefined;
    let driver: StorageDriver;
    beforeEach(async () => {
      fixture = await makeDriver();
      driver = fixture.driver;
    });
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    /** Appends `data` and checks the count; returns the stored (JSON) state. */
    async function append(id: string, state: UploadState, offset: number, data: Buffer, sizes?: number[]) {
      const out = await driver.uploadAppend(id, stored(state), offset, slices(data, sizes));
      assert.equal(out.written, data.length, 'uploadAppend reports the bytes it appended');
      return stored(out.state);
    }

    async function readUpload(id: string, state: UploadState, size: number): Promise<Buffer> {
      return collect(await driver.uploadReader(id, stored(state), size));
    }

    describe('objects', () => {
      test('put, get and stat round-trip; put replaces', async () => {
        const data = randomBytes(1000);
        await driver.put('blobs/sha256/ab/abcd', data);
        sameBytes((await driver.get('blobs/sha256/ab/abcd')) ?? Buffer.alloc(0), data, 'get');
        assert.deepEqual(await driver.stat('blobs/sha256/ab/abcd'), { key: 'blobs/sha256/ab/abcd', size: 1000 });
        const other = randomBytes(10);
        await driver.put('blobs/sha256/ab/abcd', other);
        sameBytes((await driver.get('blobs/sha256/ab/abcd')) ?? Buffer.alloc(0), other, 'get after overwrite');
        assert.equal((await driver.stat('blobs/sha256/ab/abcd'))?.size, 10);
      });

      test('an empty object exists and is empty', async () => {
        await driver.put('m/empty', Buffer.alloc(0));
        assert.deepEqual(await driver.stat('m/empty'), { key: 'm/empty', size: 0 });
        assert.equal((await driver.get('m/empty'))?.length, 0);
        assert.equal((await sendAll(driver, 'm/empty')).length, 0);
        assert.equal((await collect(await driver.reader('m/empty'))).length, 0);
      });

      test('absent keys: null from get and stat, NotFoundError from send, reader and move', async () => {
        await driver.put('present/x', Buffer.from('x'));
        assert.equal(await driver.get('absent/x'), null);
        assert.equal(await driver.stat('absent/x'), null);
        assert.equal(await driver.stat('present'), null, 'a folder is not an object');
        await assert.rejects(driver.send('absent/x', new Sink()), NotFoundError);
        await assert.rejects(driver.send('absent/x', new Sink(), { start: 0, end: 0 }), NotFoundError);
        await assert.rejects(driver.reader('absent/x'), NotFoundError);
        await assert.rejects(driver.reader('absent/x', { start: 1, end: 2 }), NotFoundError);
        await assert.rejects(driver.move('absent/x', 'absent/y'), NotFoundError);
        assert.equal(await driver.stat('absent/y'), null, 'a failed move creates nothing');
        await driver.delete('absent/x'); // deleting an absent key is not an error
      });

      test('delete removes only the object', async () => {
        await driver.put('d/a', Buffer.from('a'));
        await driver.put('d/b', Buffer.from('b'));
        await driver.delete('d/a');
        assert.equal(await driver.stat('d/a'), null);
        assert.equal(await driver.get('d/a'), null);
        assert.equal((await driver.get('d/b'))?.toString(), 'b');
      });

      test('list gives every object under a folder once, with its size', async () => {
        const expected = new Map<string, number>();
        for (let i = 0; i < 25; i++) {
          const key = `blobs/sha256/aa/aa${i.toString().padStart(4, '0')}`;
          await driver.put(key, Buffer.alloc(i));
          expected.set(key, i);
        }
        await driver.put('blobs/sha256/aa/deeper/x', Buffer.alloc(3));
        expected.set('blobs/sha256/aa/deeper/x', 3);
        await driver.put('blobs/sha256/aab/not-in-aa', Buffer.alloc(1));
        await driver.put('blobs/sha256/ab/not-in-aa', Buffer.alloc(1));
        assert.deepEqual(await keysUnder(driver, 'blobs/sha256/aa'), expected);
        assert.deepEqual(await keysUnder(driver, 'blobs/sha256/aa/'), expected, 'a trailing slash changes nothing');
        assert.equal((await keysUnder(driver, 'blobs')).size, 28);
        assert.equal((await keysUnder(driver, 'nothing/here')).size, 0);
        const all = await keysUnder(driver, '');
        for (const key of ['blobs/sha256/aab/not-in-aa', 'blobs/sha256/aa/aa0024']) assert.ok(all.has(key), key);
      });

      test('move puts the bytes at the target, replacing it, and removes the source', async () => {
        const data = randomBytes(3 * MiB + 5);
        await driver.put('q/from', data);
        await driver.put('q/to', Buffer.from('old'));
        await driver.move('q/from', 'q/to');
        assert.equal(await driver.stat('q/from'), null);
        sameBytes((await driver.get('q/to')) ?? Buffer.alloc(0), data, 'moved object');
        await driver.move('q/to', 'quarantine/deep/er/x');
        sameBytes((await driver.get('quarantine/deep/er/x')) ?? Buffer.alloc(0), data, 'moved into a new folder');
        await driver.move('quarantine/deep/er/x', 'quarantine/deep/er/x');
        sameBytes((await driver.get('quarantine/deep/er/x')) ?? Buffer.alloc(0), data, 'moved onto itself');
      });

      test('send writes the object and byte ranges exactly, without ending the destination', async () => {
        const data = randomBytes(9 * MiB + 7);
        await driver.put('s/obj', data);
        sameBytes(await sendAll(driver, 's/obj'), data, 'whole');
        const ranges: ByteRange[] = [
          { start: 0, end: 0 },
          { start: 0, end: data.length - 1 },
          { start: data.length - 1, end: data.length - 1 },
          { start: 1234, end: 5 * MiB + 99 },
          { start: 8 * MiB, end: data.length - 2 },
        ];
        for (const range of ranges) {
          sameBytes(
            await sendAll(driver, 's/obj', range),
            data.subarray(range.start, range.end + 1),
            `range ${range.start}-${range.end}`,
          );
        }
      });

      test('send waits for a slow destination and resolves once it took every byte', async () => {
        const data = randomBytes(40 * MiB);
        await driver.put('s/big', data);
        const sink = new Sink(true);
        await driver.send('s/big', sink, { start: 1, end: data.length - 1 });
        assert.equal(sink.received, data.length - 1, 'every byte reached the destination before send resolved');
        sameBytes(sink.bytes(), data.subarray(1), 'slow destination');
        assert.ok(
          sink.maxBuffered < 20 * MiB,
          `backpressure: at most ${sink.maxBuffered} bytes queued in the destination`,
        );
      });

      test('send rejects when the destination closes midway (a client hung up)', async () => {
        const data = randomBytes(12 * MiB);
        await driver.put('s/cut', data);
        for (let i = 0; i < 3; i++) {
          const sink = new Sink(true);
          sink.on('error', () => {});
          const cut = setInterval(() => {
            if (sink.received >= MiB) sink.destroy();
          }, 1);
          try {
            await assert.rejects(driver.send('s/cut', sink));
          } finally {
            clearInterval(cut);
          }
          assert.ok(sink.received < data.length, 'the send stopped early');
        }
        sameBytes(await sendAll(driver, 's/cut'), data, 'the driver still serves afterwards');
      });

      test('reader streams the object and byte ranges exactly', async () => {
        const data = randomBytes(6 * MiB + 1);
        await driver.put('r/obj', data);
        sameBytes(await collect(await driver.reader('r/obj')), data, 'whole');
        sameBytes(await collect(await driver.reader('r/obj', { start: 5, end: 5 })), data.subarray(5, 6), 'one byte');
        sameBytes(
          await collect(await driver.reader('r/obj', { start: MiB, end: data.length - 1 })),
          data.subarray(MiB),
          'to the end',
        );
      });

      test('redirectUrl, where offered, is null or a URL that serves the object', async () => {
        if (!driver.redirectUrl) return;
        const data = randomBytes(1000);
        await driver.put('u/obj', data);
        const url = await driver.redirectUrl('u/obj');
        if (url === null) return;
        const response = await fetch(url);
        assert.equal(response.status, 200);
        sameBytes(Buffer.from(await response.arrayBuffer()), data, 'fetched');
      });
    });

    describe('uploads', () => {
      test('appends of uneven sizes read back exactly and commit whole, and only then', async () => {
        const sizes = [1 * MiB, 6 * MiB + 3, 100 * 1024 + 1, 4 * MiB, 0, 7 * MiB + 1, 3, 2 * MiB];
        const data = randomBytes(sizes.reduce((a, b) => a + b, 0));
        const key = blobKey(data);
        const id = randomUUID();
        let state = stored(await driver.uploadStart(id));
        let offset = 0;
        for (const size of sizes) {
          state = await append(id, state, offset, data.subarray(offset, offset + size));
          offset += size;
          sameBytes(await readUpload(id, state, offset), data.subarray(0, offset), `upload after ${offset} bytes`);
        }
        for (const size of [0, 1, 5 * MiB, 5 * MiB + 1, 7 * MiB + 3, data.length - 1]) {
          sameBytes(await readUpload(id, state, size), data.subarray(0, size), `first ${size} bytes`);
        }
        assert.equal(await driver.stat(key), null, 'not visible before commit');
        assert.equal((await keysUnder(driver, 'blobs')).size, 0, 'nothing under blobs before commit');
        await driver.uploadCommit(id, stored(state), data.length, key);
        assert.deepEqual(await driver.stat(key), { key, size: data.length });
        sameBytes((await driver.get(key)) ?? Buffer.alloc(0), data, 'committed object');
        assert.deepEqual([...(await keysUnder(driver, 'uploads')).keys()], [], 'commit leaves nothing in uploads');
      });

      test('an interrupted append is discarded when the upload resumes at the confirmed offset', async () => {
        const data = randomBytes(3 * MiB + 2 * MiB + 5 + 6 * MiB);
        const [a, c] = [3 * MiB, 3 * MiB + 2 * MiB + 5];
        const junk = randomBytes(9 * MiB);
        const id = randomUUID();
        let state = await append(id, await driver.uploadStart(id), 0, data.subarray(0, a));
        // A small interrupted append, then a large one that got past a part or two.
        await assert.rejects(driver.uploadAppend(id, stored(state), a, interrupted(junk, MiB)), /connection reset/);
        await assert.rejects(
          driver.uploadAppend(id, stored(state), a, interrupted(junk, 8 * MiB + 1)),
          /connection reset/,
        );
        state = await append(id, state, a, data.subarray(a, c));
        await assert.rejects(driver.uploadAppend(id, stored(state), c, interrupted(junk, 7 * MiB)), /connection reset/);
        state = await append(id, state, c, data.subarray(c));
        sameBytes(await readUpload(id, state, data.length), data, 'read back');
        const key = blobKey(data);
        await driver.uploadCommit(id, state, data.length, key);
        sameBytes((await driver.get(key)) ?? Buffer.alloc(0), data, 'committed');
      });

      test('an append whose new state was dropped is replaced by the next append at the old offset', async () => {
        // What the core does when a chunk was shorter than declared: it keeps the old state and size.
        const first = randomBytes(6 * MiB);
        const dropped = randomBytes(5 * MiB + 1);
        const second = randomBytes(2 * MiB);
        const id = randomUUID();
        const kept = await append(id, await driver.uploadStart(id), 0, first);
        await append(id, kept, first.length, dropped);
        const state = await append(id, kept, first.length, second);
        const whole = Buffer.concat([first, second]);
        sameBytes(await readUpload(id, state, whole.length), whole, 'read back');
        await driver.uploadCommit(id, state, whole.length, 'blobs/x/whole');
        sameBytes((await driver.get('blobs/x/whole')) ?? Buffer.alloc(0), whole, 'committed');
      });

      test('commit makes the first size bytes the object', async () => {
        const data = randomBytes(7 * MiB);
        const id = randomUUID();
        const state = await append(id, await driver.uploadStart(id), 0, data);
        await driver.uploadCommit(id, state, 6 * MiB + 1, 'blobs/x/prefix');
        sameBytes((await driver.get('blobs/x/prefix')) ?? Buffer.alloc(0), data.subarray(0, 6 * MiB + 1), 'committed');
      });

      test('small uploads: empty, and several small appends', async () => {
        const id = randomUUID();
        const state = await driver.uploadStart(id);
        sameBytes(await readUpload(id, state, 0), Buffer.alloc(0), 'empty read back');
        await driver.uploadCommit(id, stored(state), 0, 'blobs/x/empty');
        assert.deepEqual(await driver.stat('blobs/x/empty'), { key: 'blobs/x/empty', size: 0 });

        const data = randomBytes(40 * 1024 * 3 + 11);
        const id2 = randomUUID();
        let state2 = stored(await driver.uploadStart(id2));
        for (let at = 0; at < data.length; at += 40 * 1024) {
          const chunk = data.subarray(at, at + 40 * 1024);
          state2 = await append(id2, state2, at, chunk, [1000]);
        }
        await driver.uploadCommit(id2, state2, data.length, 'blobs/x/small');
        sameBytes((await driver.get('blobs/x/small')) ?? Buffer.alloc(0), data, 'small committed');
        assert.deepEqual([...(await keysUnder(driver, 'uploads')).keys()], []);
      });

      test('many tiny appends stay exact', async () => {
        const data = randomBytes(50 * 1111);
        const id = randomUUID();
        let state = stored(await driver.uploadStart(id));
        for (let at = 0; at < data.length; at += 1111)
          state = await append(id, state, at, data.subarray(at, at + 1111));
        sameBytes(await readUpload(id, state, data.length), data, 'read back');
        await driver.uploadCommit(id, state, data.length, 'blobs/x/tiny');
        sameBytes((await driver.get('blobs/x/tiny')) ?? Buffer.alloc(0), data, 'committed');
      });

      test('abort leaves nothing behind', async () => {
        const id = randomUUID();
        let state = await append(id, await driver.uploadStart(id), 0, randomBytes(6 * MiB));
        state = await append(id, state, 6 * MiB, randomBytes(MiB));
        await assert.rejects(driver.uploadAppend(id, state, 7 * MiB, interrupted(randomBytes(9 * MiB), 8 * MiB)));
        await driver.uploadAbort(id, state);
        assert.deepEqual([...(await keysUnder(driver, 'uploads')).keys()], [], 'upload area is empty');
        assert.deepEqual([...(await keysUnder(driver, '')).keys()], [], 'store is empty');

        const untouched = randomUUID();
        await driver.uploadAbort(untouched, await driver.uploadStart(untouched));
        assert.deepEqual(
          [...(await keysUnder(driver, 'uploads')).keys()],
          [],
          'an upload with no bytes aborts cleanly',
        );
      });

      test('two uploads at once stay apart', async () => {
        const [x, y] = [randomBytes(7 * MiB), randomBytes(6 * MiB)];
        const [idX, idY] = [randomUUID(), randomUUID()];
        let [sx, sy] = [await driver.uploadStart(idX), await driver.uploadStart(idY)];
        sx = await append(idX, sx, 0, x.subarray(0, 2 * MiB));
        sy = await append(idY, sy, 0, y.subarray(0, 5 * MiB));
        sx = await append(idX, sx, 2 * MiB, x.subarray(2 * MiB));
        sy = await append(idY, sy, 5 * MiB, y.subarray(5 * MiB));
        await driver.uploadAbort(idY, sy);
        sameBytes(await readUpload(idX, sx, x.length), x, 'the other upload is intact');
        await driver.uploadCommit(idX, sx, x.length, 'blobs/x/x');
        sameBytes((await driver.get('blobs/x/x')) ?? Buffer.alloc(0), x, 'committed');
        assert.deepEqual([...(await keysUnder(driver, 'uploads')).keys()], []);
      });

      test('a 64 MiB upload in 16 MiB and odd chunks is byte-exact (SHA-256)', async () => {
        const total = 64 * MiB;
        const appends = [16 * MiB, 16 * MiB + 1, 16 * MiB - 3, MiB + 17];
        appends.push(total - appends.reduce((a, b) => a + b, 0));
        const id = randomUUID();
        let state = stored(await driver.uploadStart(id));
        const hash = createHash('sha256');
        let offset = 0;
        for (const [i, size] of appends.entries()) {
          // Fresh random bytes per append, hashed as they go: the test never holds the blob whole.
          const chunk = randomBytes(size);
          hash.update(chunk);
          state = await append(id, state, offset, chunk, i % 2 ? [256 * 1024 - 1, 4 * MiB + 9] : [16 * MiB]);
          offset += size;
        }
        const expected = hash.digest('hex');
        const hashOf = async (stream: AsyncIterable<unknown>) => {
          const h = createHash('sha256');
          let n = 0;
          for await (const chunk of stream) {
            h.update(chunk as Buffer);
            n += (chunk as Buffer).length;
          }
          return { sha: h.digest('hex'), n };
        };
        assert.deepEqual(
          await hashOf(await driver.uploadReader(id, state, total)),
          { sha: expected, n: total },
          'upload read back',
        );
        const key = `blobs/sha256/${expected.slice(0, 2)}/${expected}`;
        await driver.uploadCommit(id, state, total, key);
        assert.deepEqual(await driver.stat(key), { key, size: total });
        assert.deepEqual(await hashOf(await driver.reader(key)), { sha: expected, n: total }, 'reader');
        const hashing = createHash('sha256');
        let sent = 0;
        await driver.send(
          key,
          new Writable({
            write(chunk: Buffer, _enc, done) {
              hashing.update(chunk);
              sent += chunk.length;
              done();
            },
          }),
        );
        assert.deepEqual({ sha: hashing.digest('hex'), n: sent }, { sha: expected, n: total }, 'send');
        assert.deepEqual([...(await keysUnder(driver, 'uploads')).keys()], []);
      });
    });
  });
}
