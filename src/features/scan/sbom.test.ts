/** The layer reader's bounds: bombs become scan errors, never unbounded work. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import SqliteDatabase from 'better-sqlite3';
import { makeTar } from '../../../test/support/images.ts';
import { readRpmDb } from '../../adapters/scan/rpmdb.ts';
import { DEFAULT_SBOM_LIMITS, readImage } from './sbom.ts';
import { ScanLimitError } from './tar.ts';

const layer = (bytes: Buffer) => async () => Readable.from([bytes]);

test('a layer that expands beyond the byte budget is a scan error (decompression bomb)', async () => {
  const bomb = gzipSync(makeTar([{ name: 'zeros', type: 'file', data: Buffer.alloc(8 << 20) }]));
  assert.ok(bomb.length < 64 * 1024, `compressed to ${bomb.length} bytes`);
  await assert.rejects(
    readImage([{ digest: 'sha256:x', mediaType: '' }], layer(bomb), null, null, {
      ...DEFAULT_SBOM_LIMITS,
      maxBytes: 1 << 20,
    }),
    ScanLimitError,
  );
});

test('too many entries is a scan error', async () => {
  const tar = makeTar(
    Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, type: 'file' as const, data: Buffer.from('x') })),
  );
  await assert.rejects(
    readImage([{ digest: 'sha256:x', mediaType: '' }], layer(tar), null, null, {
      ...DEFAULT_SBOM_LIMITS,
      maxEntries: 100,
    }),
    /more than 100 (files|entries)/,
  );
});

test('rpmdb.sqlite: installed packages from their header blobs', () => {
  const header = (tags: [number, number, Buffer][]) => {
    const data = Buffer.concat(tags.map((t) => t[2]));
    const index = Buffer.alloc(tags.length * 16);
    let offset = 0;
    tags.forEach(([tag, type, value], i) => {
      index.writeUInt32BE(tag, i * 16);
      index.writeUInt32BE(type, i * 16 + 4);
      index.writeUInt32BE(offset, i * 16 + 8);
      index.writeUInt32BE(1, i * 16 + 12);
      offset += value.length;
    });
    const head = Buffer.alloc(8);
    head.writeUInt32BE(tags.length, 0);
    head.writeUInt32BE(data.length, 4);
    return Buffer.concat([head, index, data]);
  };
  const str = (s: string) => Buffer.from(`${s}\0`);
  const epoch = Buffer.alloc(4);
  epoch.writeUInt32BE(1);
  const db = new SqliteDatabase(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)');
  db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(
    header([
      [1000, 6, str('openssl-libs')],
      [1001, 6, str('3.0.7')],
      [1002, 6, str('24.el9')],
      [1003, 4, epoch],
      [1022, 6, str('x86_64')],
      [1044, 6, str('openssl-3.0.7-24.el9.src.rpm')],
    ]),
  );
  db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(Buffer.from('garbage'));
  const bytes = db.serialize();
  db.close();
  assert.deepEqual(readRpmDb(bytes), [
    {
      name: 'openssl-libs',
      version: '3.0.7',
      release: '24.el9',
      epoch: 1,
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-24.el9.src.rpm',
    },
  ]);
  assert.deepEqual(readRpmDb(Buffer.from('not sqlite')), []);
});
