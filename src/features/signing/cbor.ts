/**
 * The small part of CBOR (RFC 8949) a COSE_Sign1 envelope needs: definite
 * lengths only, integers within 2^53, byte and text strings, arrays, maps,
 * tags, true/false/null. Bounded (depth, item count) so hostile input is an
 * error, never a hang.
 */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export type CborValue = number | string | boolean | null | Buffer | CborValue[] | Map<CborValue, CborValue> | Tagged;

const MAX_DEPTH = 16;
const MAX_ITEMS = 10_000;

export function decodeCbor(bytes: Buffer): CborValue {
  let at = 0;
  let items = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error('CBOR: truncated');
  };
  const argument = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error('CBOR: indefinite or reserved length');
    need(size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + bytes[at + i];
    at += size;
    if (!Number.isSafeInteger(n)) throw new Error('CBOR: integer too large');
    return n;
  };
  const item = (depth: number): CborValue => {
    if (depth > MAX_DEPTH) throw new Error('CBOR: nested too deeply');
    if (++items > MAX_ITEMS) throw new Error('CBOR: too many items');
    need(1);
    const initial = bytes[at++];
    const major = initial >> 5;
    const info = initial & 31;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      throw new Error('CBOR: unsupported simple value');
    }
    const n = argument(info);
    switch (major) {
      case 0:
        return n;
      case 1:
        return -1 - n;
      case 2:
      case 3: {
        need(n);
        const slice = bytes.subarray(at, at + n);
        at += n;
        return major === 2 ? Buffer.from(slice) : slice.toString('utf8');
      }
      case 4: {
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        const out = new Map<CborValue, CborValue>();
        for (let i = 0; i < n; i++) out.set(item(depth + 1), item(depth + 1));
        return out;
      }
      default:
        return new Tagged(n, item(depth + 1));
    }
  };
  const value = item(0);
  if (at !== bytes.length) throw new Error('CBOR: trailing bytes');
  return value;
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Encodes the same subset (maps keep their insertion order; COSE's Sig_structure needs no sorting). */
export function encodeCbor(value: CborValue): Buffer {
  if (value === false) return Buffer.from([0xf4]);
  if (value === true) return Buffer.from([0xf5]);
  if (value === null) return Buffer.from([0xf6]);
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  if (value instanceof Map)
    return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
  return Buffer.concat([head(6, value.tag), encodeCbor(value.value)]);
}
