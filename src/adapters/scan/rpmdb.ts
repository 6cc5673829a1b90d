/**
 * Installed RPMs from `rpmdb.sqlite` (RHEL 9, Fedora, Rocky, Alma, UBI): the
 * Packages table holds each package's header blob, read here by tag.
 * Opened from the bytes in memory (never written to disk), read only.
 */
import SqliteDatabase from 'better-sqlite3';

export interface RpmPackage {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string;
  sourceRpm: string;
}

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 };
const STRING = 6;
const INT32 = 4;

/** One header blob (index count, data length, index entries, data). */
export function parseRpmHeader(blob: Buffer): RpmPackage | null {
  if (blob.length < 8) return null;
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  const dataStart = 8 + il * 16;
  if (il > 100_000 || dataStart + dl > blob.length) return null;
  const values = new Map<number, string | number>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    if (!Object.values(TAG).includes(tag) || offset >= dl) continue;
    const pos = dataStart + offset;
    if (type === STRING) {
      const end = blob.indexOf(0, pos);
      values.set(tag, blob.subarray(pos, end < 0 ? dataStart + dl : end).toString('utf8'));
    } else if (type === INT32 && pos + 4 <= blob.length) {
      values.set(tag, blob.readUInt32BE(pos));
    }
  }
  const name = values.get(TAG.name);
  const version = values.get(TAG.version);
  if (typeof name !== 'string' || typeof version !== 'string') return null;
  const epoch = values.get(TAG.epoch);
  return {
    name,
    version,
    release: String(values.get(TAG.release) ?? ''),
    epoch: typeof epoch === 'number' ? epoch : null,
    arch: String(values.get(TAG.arch) ?? ''),
    sourceRpm: String(values.get(TAG.sourceRpm) ?? ''),
  };
}

export function readRpmDb(bytes: Buffer, maxPackages = 50_000): RpmPackage[] {
  let db: SqliteDatabase.Database | null = null;
  try {
    db = new SqliteDatabase(bytes, { readonly: true });
    const rows = db.prepare('SELECT blob FROM Packages LIMIT ?').all(maxPackages) as { blob: Buffer }[];
    return rows.map((r) => parseRpmHeader(r.blob)).filter((p): p is RpmPackage => p !== null);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
