/** Downloads of the same blob at once share their file reads (the pull storm), within a memory budget. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { SharedReads } from '../src/adapters/storage/shared-reads.ts';

const KiB = 1024;

describe('shared reads', () => {
  let dir: string;
  let file: string;
  const data = randomBytes(100 * KiB + 17);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-shared-reads-'));
    file = join(dir, 'blob');
    await writeFile(file, data);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A file handle that counts the bytes read through it. */
  async function counted(): Promise<{ fh: Awaited<ReturnType<typeof open>>; bytes: () => number }> {
    const fh = await open(file, 'r');
    let n = 0;
    const read = fh.read.bind(fh) as (...a: unknown[]) => Promise<{ bytesRead: number; buffer: Buffer }>;
    (fh as unknown as { read: unknown }).read = async (...args: unknown[]) => {
      const r = await read(...args);
      n += r.bytesRead;
      return r;
    };
    return { fh, bytes: () => n };
  }

  /** Reads the whole file through `shared` the way the driver does, releasing each piece at once. */
  async function readAll(shared: SharedReads, fh: Awaited<ReturnType<typeof open>>, start = 0, end = data.length) {
    const parts: Buffer[] = [];
    for (let pos = start; pos < end; ) {
      const piece = await shared.read(file, fh, pos, end, data.length);
      parts.push(Buffer.from(piece.bytes));
      pos += piece.bytes.length;
      piece.release();
    }
    return Buffer.concat(parts);
  }

  test('two downloads under way at once read each chunk once', async () => {
    const shared = new SharedReads(16 * KiB, 1024 * KiB);
    const a = await counted();
    const b = await counted();
    const closeA = shared.open(file);
    const closeB = shared.open(file);
    const [x, y] = await Promise.all([readAll(shared, a.fh), readAll(shared, b.fh)]);
    assert.ok(x.equals(data) && y.equals(data));
    assert.equal(a.bytes() + b.bytes(), data.length, 'every byte read from the file once in all');
    closeA();
    closeB();
    assert.equal(shared.heldBytes, 0, 'nothing kept once both are done');
    await a.fh.close();
    await b.fh.close();
  });

  test('a download behind another finds the chunks the first left, while the first is still open', async () => {
    const shared = new SharedReads(16 * KiB, 1024 * KiB);
    const a = await counted();
    const b = await counted();
    const closeA = shared.open(file);
    const closeB = shared.open(file);
    assert.ok((await readAll(shared, a.fh)).equals(data));
    assert.ok((await readAll(shared, b.fh, 1000, 50_000)).equals(data.subarray(1000, 50_000)), 'a range');
    assert.equal(b.bytes(), 0);
    closeA();
    closeB();
    assert.equal(shared.heldBytes, 0);
    await a.fh.close();
    await b.fh.close();
  });

  test('a lone download keeps nothing after each write', async () => {
    const shared = new SharedReads(16 * KiB, 1024 * KiB);
    const a = await counted();
    const close = shared.open(file);
    const piece = await shared.read(file, a.fh, 0, data.length, data.length);
    assert.equal(shared.heldBytes, 16 * KiB);
    piece.release();
    assert.equal(shared.heldBytes, 0);
    close();
    await a.fh.close();
  });

  test('past the budget a download reads small private pieces, bytes still right', async () => {
    const shared = new SharedReads(16 * KiB, 32 * KiB, 4 * KiB);
    const a = await counted();
    const close = shared.open(file);
    const held = [
      await shared.read(file, a.fh, 0, data.length, data.length),
      await shared.read(file, a.fh, 16 * KiB, data.length, data.length),
    ];
    assert.equal(shared.heldBytes, 32 * KiB);
    const extra = await shared.read(file, a.fh, 32 * KiB, data.length, data.length);
    assert.equal(extra.bytes.length, 4 * KiB, 'a private piece of the fallback size');
    assert.ok(extra.bytes.equals(data.subarray(32 * KiB, 36 * KiB)));
    assert.equal(shared.heldBytes, 32 * KiB, 'the budget holds');
    for (const p of [...held, extra]) p.release();
    close();
    assert.equal(shared.heldBytes, 0);
    await a.fh.close();
  });

  test('a file shorter than its recorded size is an error, not a short answer', async () => {
    const shared = new SharedReads(16 * KiB, 1024 * KiB);
    const a = await counted();
    const close = shared.open(file);
    await assert.rejects(shared.read(file, a.fh, data.length, data.length + 10, data.length + 10), /shorter/);
    close();
    assert.equal(shared.heldBytes, 0);
    await a.fh.close();
  });

  test('the filesystem driver sends blobs to many clients at once, byte for byte', async () => {
    const driver = new FsDriver(join(dir, 'store'));
    const big = randomBytes(3 * 1024 * KiB + 5);
    await driver.put('blobs/sha256/ab/abcdef', big);
    const receive = async (range?: { start: number; end: number }) => {
      const out = new PassThrough();
      const parts: Buffer[] = [];
      out.on('data', (c: Buffer) => parts.push(c));
      await driver.send('blobs/sha256/ab/abcdef', out, range);
      out.end();
      return Buffer.concat(parts);
    };
    const got = await Promise.all([receive(), receive(), receive({ start: 5, end: 2_000_000 }), receive()]);
    assert.ok(got[0].equals(big) && got[1].equals(big) && got[3].equals(big));
    assert.ok(got[2].equals(big.subarray(5, 2_000_001)));
  });
});
