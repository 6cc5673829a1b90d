/**
 * Upload appends with O_DIRECT (src/adapters/storage/direct-append.ts): whole
 * aligned blocks go direct, unaligned heads and tails buffered, and with direct
 * writes off (the path where a filesystem refuses O_DIRECT) everything is
 * buffered. Whatever the path, the file must hold exactly the bytes sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ALIGN, alignedBuffersFree, appendFile as appendThrough } from '../src/adapters/storage/direct-append.ts';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { storageDriverSuite } from './suites/storage-driver.ts';

async function* pieces(data: Buffer, sizes: number[]): AsyncIterable<Buffer> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length];
    yield data.subarray(offset, offset + size);
    offset += size;
    if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve)); // let other appends interleave
  }
}

/** Whether this folder's filesystem takes O_DIRECT opens, asked directly rather than assumed. */
async function takesDirect(dir: string): Promise<boolean> {
  const probe = join(dir, 'probe');
  await writeFile(probe, '');
  const fh = await open(probe, constants.O_WRONLY | constants.O_DIRECT).catch(() => null);
  await fh?.close();
  await rm(probe);
  return fh !== null;
}

/** appendFile on a buffered descriptor of its own, as the filesystem driver calls it. */
async function appendFile(path: string, root: string, offset: number, source: AsyncIterable<Buffer>, direct = true) {
  const fh = await open(path, 'r+');
  try {
    return await appendThrough(fh, path, root, offset, source, direct);
  } finally {
    await fh.close();
  }
}

const MiB = 1024 * 1024;

describe('appendFile on the default temporary folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-direct-'));
  const direct = await takesDirect(dir);
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes exactly the bytes sent over appends of odd sizes and offsets', async () => {
    const path = join(dir, 'odd');
    await writeFile(path, '');
    const appends = [1, ALIGN - 1, ALIGN + 1, 3 * MiB + 3, 7, 2 * MiB, 5 * MiB - 1];
    const expected: Buffer[] = [];
    let offset = 0;
    let directTotal = 0;
    for (const [i, size] of appends.entries()) {
      const data = randomBytes(size);
      const { written, direct: directBytes } = await appendFile(
        path,
        dir,
        offset,
        pieces(data, i % 2 ? [65_536, 1, 1_000_003] : [size]),
      );
      assert.equal(written, size);
      assert.equal(directBytes % ALIGN, 0, 'only whole blocks go direct');
      directTotal += directBytes;
      expected.push(data);
      offset += size;
    }
    assert.deepEqual(await readFile(path), Buffer.concat(expected));
    if (direct) assert.ok(directTotal > 8 * MiB, `most bytes went direct (${directTotal})`);
    else assert.equal(directTotal, 0);
  });

  it('keeps concurrent appends apart when there are more than aligned buffers', async () => {
    const inputs = Array.from({ length: 7 }, (_, i) => randomBytes(3 * MiB + i * 1001));
    const paths = inputs.map((_, i) => join(dir, `concurrent-${i}`));
    await Promise.all(paths.map((path) => writeFile(path, '')));
    const results = await Promise.all(inputs.map((data, i) => appendFile(paths[i], dir, 0, pieces(data, [65_536]))));
    for (const [i, data] of inputs.entries()) {
      assert.equal(results[i].written, data.length);
      assert.deepEqual(await readFile(paths[i]), data, `upload ${i}`);
    }
    if (direct) {
      // Eight buffers, two per upload: some of the seven uploads had to write buffered.
      assert.ok(results.some((r) => r.direct > 0));
      assert.ok(results.some((r) => r.direct < r.written - ALIGN));
    }
  });

  it('returns its buffers when the source fails, so later appends still go direct', async () => {
    for (let i = 0; i < 10; i++) {
      const path = join(dir, `failed-${i}`);
      await writeFile(path, '');
      async function* breaking(): AsyncIterable<Buffer> {
        yield randomBytes(MiB + 5);
        throw new Error('client went away');
      }
      await assert.rejects(appendFile(path, dir, 0, breaking()), /client went away/);
    }
    const path = join(dir, 'after-failures');
    await writeFile(path, '');
    const data = randomBytes(4 * MiB + 100);
    const result = await appendFile(path, dir, 0, pieces(data, [65_536]));
    assert.deepEqual(await readFile(path), data);
    assert.equal(result.direct, direct ? 4 * MiB : 0);
  });
});

describe('appendFile with direct writes off', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-buffered-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes everything buffered and keeps every byte', async () => {
    const path = join(dir, 'upload');
    await writeFile(path, '');
    const first = randomBytes(2 * MiB + 9);
    const second = randomBytes(MiB);
    const written = [
      await appendFile(path, dir, 0, pieces(first, [65_536]), false),
      await appendFile(path, dir, first.length, pieces(second, [MiB]), false),
    ];
    assert.deepEqual(written, [
      { written: first.length, direct: 0 },
      { written: MiB, direct: 0 },
    ]);
    assert.deepEqual(await readFile(path), Buffer.concat([first, second]));
  });
});

// The whole driver contract with every upload write buffered (the path taken where O_DIRECT is refused).
storageDriverSuite('fs, direct writes off', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fs-buffered-'));
  return {
    driver: new FsDriver(dir, { directWrites: false }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('appendFile while the client stalls (issue 14)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-direct-stall-'));
  const direct = await takesDirect(dir);
  after(() => rm(dir, { recursive: true, force: true }));

  it('returns its aligned buffer while no bytes come, and still writes every byte', { skip: !direct }, async () => {
    const path = join(dir, 'stalled');
    await writeFile(path, '');
    const data = randomBytes(3 * MiB + 5);
    const freeDuringStall: number[] = [];
    async function* stalling(): AsyncIterable<Buffer> {
      yield data.subarray(0, 64 * 1024 + 3);
      await new Promise((r) => setTimeout(r, 150));
      freeDuringStall.push(alignedBuffersFree());
      yield data.subarray(64 * 1024 + 3, MiB);
      await new Promise((r) => setTimeout(r, 150));
      freeDuringStall.push(alignedBuffersFree());
      yield data.subarray(MiB);
    }
    const before = alignedBuffersFree();
    const { written } = await appendFile(path, dir, 0, stalling());
    assert.equal(written, data.length);
    assert.deepEqual(await readFile(path), data);
    // The pool is created on first use: 8 buffers, all free while the client is silent.
    assert.deepEqual(freeDuringStall, [8, 8], `free buffers during the stalls (before: ${before})`);
  });
});
