/** The S3 driver's pure parts: upload state arithmetic and part planning (no server needed). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  copyParts,
  MAX_COPY,
  MAX_PARTS,
  PARTS_PER_SIZE,
  PartBuffers,
  partSizeAt,
  runLimited,
  StreamingObjectWriter,
} from '../src/adapters/storage/s3-multipart.ts';
import { MIN_PART, parseState, stateSize, truncateState } from '../src/adapters/storage/s3-upload-state.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('S3 upload state', () => {
  const state = parseState({
    v: 1,
    segments: [
      { name: 's-0-aaaaaaaaaaaa', size: 6 * MiB },
      { name: 's-6291456-bbbbbbbbbbbb', size: 7 * MiB },
    ],
    pending: [
      { name: 'p-13631488-cccccccccccc', size: MiB },
      { name: 'p-14680064-dddddddddddd', size: 2 * MiB },
    ],
  });

  test('size and JSON round trip', () => {
    assert.equal(stateSize(state), 16 * MiB);
    assert.deepEqual(parseState(JSON.parse(JSON.stringify(state))), state);
  });

  test('truncation keeps whole pieces and cuts the last one', () => {
    assert.deepEqual(truncateState(state, 16 * MiB), state);
    const inPending = truncateState(state, 14 * MiB + 5); // 13 MiB of segments, 1 MiB + 5 pending
    assert.deepEqual(inPending.segments, state.segments);
    assert.deepEqual(inPending.pending, [
      { name: 'p-13631488-cccccccccccc', size: MiB },
      { name: 'p-14680064-dddddddddddd', size: 2 * MiB, length: 5 },
    ]);
    assert.equal(stateSize(inPending), 14 * MiB + 5);
  });

  test('a segment cut under the minimum part size becomes pending', () => {
    const cut = truncateState(state, 6 * MiB + 3 * MiB);
    assert.deepEqual(cut.segments, [state.segments[0]]);
    assert.deepEqual(cut.pending, [{ name: 's-6291456-bbbbbbbbbbbb', size: 7 * MiB, length: 3 * MiB }]);
    const kept = truncateState(state, 6 * MiB + MIN_PART + 1);
    assert.deepEqual(kept.segments[1], { name: 's-6291456-bbbbbbbbbbbb', size: 7 * MiB, length: MIN_PART + 1 });
    assert.deepEqual(kept.pending, []);
    assert.deepEqual(truncateState(state, 0), { v: 1, segments: [], pending: [] });
  });

  test('asking for more bytes than the state holds fails', () => {
    assert.throws(() => truncateState(state, 16 * MiB + 1), /fewer than/);
    assert.throws(() => truncateState(state, -1));
  });

  test('malformed states are refused', () => {
    const piece = { name: 's-0-aaaaaaaaaaaa', size: 10 };
    for (const bad of [
      { v: 2, segments: [], pending: [] },
      { v: 1, segments: {}, pending: [] },
      { v: 1, segments: [{ ...piece, name: '../../blobs/x' }], pending: [] },
      { v: 1, segments: [{ ...piece, size: -1 }], pending: [] },
      { v: 1, segments: [{ ...piece, length: 11 }], pending: [] },
      { v: 1, segments: [], pending: [null] },
    ]) {
      assert.throws(() => parseState(bad as Record<string, unknown>), /invalid S3 upload state/, JSON.stringify(bad));
    }
  });
});

describe('S3 part planning', () => {
  test('copy parts cover the object contiguously, each within S3 limits', () => {
    for (const length of [1, MIN_PART, MAX_COPY, MAX_COPY + 1, 12 * GiB + 7, 40 * GiB]) {
      const parts = copyParts('k', length);
      let next = 0;
      for (const part of parts) {
        assert.equal(part.kind, 'copy');
        if (part.kind !== 'copy') continue;
        assert.equal(part.start, next);
        const size = part.end - part.start + 1;
        assert.ok(size <= MAX_COPY, `part of ${size} bytes`);
        if (parts.length > 1) assert.ok(size >= MIN_PART);
        next = part.end + 1;
      }
      assert.equal(next, length);
      assert.equal(parts.length, Math.ceil(length / MAX_COPY));
    }
  });

  test('runLimited keeps to its limit, keeps order, and reports a failure', async () => {
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 20 }, (_, i) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
      running--;
      return i;
    });
    assert.deepEqual(await runLimited(3, tasks), [...Array(20).keys()]);
    assert.equal(most, 3);
    const failing = [async () => 1, async () => Promise.reject(new Error('boom')), async () => 3];
    await assert.rejects(runLimited(2, failing), /boom/);
  });
});

describe('S3 part buffers', () => {
  test('hands a given-back buffer out again, keeps no more than asked, and lets all go when idle', async () => {
    const buffers = new PartBuffers(2, 50);
    const [a, b, c] = [buffers.take(1024), buffers.take(1024), buffers.take(1024)];
    assert.ok(a !== b && b !== c && a !== c);
    for (const buffer of [a, b, c]) buffers.give(buffer);
    const reused = [buffers.take(1024), buffers.take(1024), buffers.take(1024)];
    assert.equal(reused.filter((buffer) => buffer === a || buffer === b || buffer === c).length, 2, 'two kept');
    assert.equal(buffers.take(2048).length, 2048, 'another size is a new buffer');
    buffers.give(reused[0]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.notEqual(buffers.take(1024), reused[0], 'let go after the idle time');
  });
});

describe('S3 part sizes', () => {
  test('small parts first, doubling every 1,000: 8 MiB parts still reach the largest S3 object (5 TiB)', () => {
    assert.equal(partSizeAt(8 * MiB, 0), 8 * MiB);
    assert.equal(partSizeAt(8 * MiB, PARTS_PER_SIZE - 1), 8 * MiB);
    assert.equal(partSizeAt(8 * MiB, PARTS_PER_SIZE), 16 * MiB);
    assert.equal(partSizeAt(8 * MiB, MAX_PARTS - 1), Math.min(MAX_COPY, 8 * MiB * 2 ** 9));
    let reach = 0;
    for (let i = 0; i < MAX_PARTS; i++) reach += partSizeAt(8 * MiB, i);
    assert.ok(reach >= 5 * 1024 * GiB, `${reach} bytes in ${MAX_PARTS} parts`);
    assert.equal(partSizeAt(4 * GiB, PARTS_PER_SIZE), MAX_COPY, 'never past the largest S3 part');
  });

  test('the streaming writer sends parts of those sizes, in order, and the object whole', async () => {
    const sizes: number[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: { Body?: Buffer; PartNumber?: number } }) => {
        const name = command.constructor.name;
        if (name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' };
        if (name === 'UploadPartCommand') {
          sizes[(command.input.PartNumber ?? 0) - 1] = command.input.Body?.length ?? -1;
          return { ETag: `"${command.input.PartNumber}"` };
        }
        return {};
      },
    } as unknown as S3Client;
    const base = 1024;
    const writer = new StreamingObjectWriter({ client, bucket: 'b' }, 'k', base, 2);
    const total = PARTS_PER_SIZE * base + 3 * base + 5;
    const chunk = Buffer.alloc(777, 1);
    for (let sent = 0; sent < total; sent += chunk.length)
      await writer.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
    assert.equal(await writer.finish(), total);
    assert.equal(sizes.length, PARTS_PER_SIZE + 2);
    assert.ok(sizes.slice(0, PARTS_PER_SIZE).every((n) => n === base));
    assert.deepEqual(sizes.slice(PARTS_PER_SIZE), [2 * base, base + 5]);
  });
});
