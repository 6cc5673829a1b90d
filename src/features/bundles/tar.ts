/**
 * The tar subset an OCI image layout archive needs: regular files and
 * folders, written in ustar; read back from a file by position (so a blob's
 * bytes stream straight from the archive), with the PAX and GNU long-name
 * headers other tools (skopeo, Go's archive/tar) may write.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const BLOCK = 512;
/** ustar's 11 octal digits: entries up to 8 GiB. */
export const MAX_ENTRY = 8 ** 11 - 1;

function field(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, 'utf8');
}

/** A ustar header for a file (or a folder, with a trailing slash in `name`). */
export function tarHeader(name: string, size: number, mtime = 0): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  if (size > MAX_ENTRY) throw new Error(`tar entry larger than 8 GiB: ${name}`);
  const dir = name.endsWith('/');
  const h = Buffer.alloc(BLOCK);
  field(h, 0, 100, name);
  field(h, 100, 8, dir ? '0000755\0' : '0000644\0');
  field(h, 108, 8, '0000000\0');
  field(h, 116, 8, '0000000\0');
  field(h, 124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  field(h, 136, 12, `${mtime.toString(8).padStart(11, '0')}\0`);
  field(h, 148, 8, '        ');
  field(h, 156, 1, dir ? '5' : '0');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Zero bytes that round an entry of `size` up to a whole block. */
export const tarPadding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
/** The two zero blocks that end an archive. */
export const tarEnd = (): Buffer => Buffer.alloc(BLOCK * 2);

export interface TarEntry {
  /** Path inside the archive, without a leading `./`. */
  name: string;
  type: 'file' | 'dir' | 'other';
  size: number;
  /** The entry's bytes, streamed from the archive file. */
  open(): Readable;
}

const cstring = (buf: Buffer, offset: number, length: number) => {
  const s = buf.subarray(offset, offset + length);
  const end = s.indexOf(0);
  return s.subarray(0, end === -1 ? length : end).toString('utf8');
};

function parseSize(buf: Buffer): number {
  const raw = buf.subarray(124, 136);
  if (raw[0] & 0x80) {
    // GNU base-256 for sizes past 8 GiB.
    let n = 0;
    for (let i = 1; i < raw.length; i++) n = n * 256 + raw[i];
    return n;
  }
  return Number.parseInt(cstring(buf, 124, 12).trim() || '0', 8);
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const len = Number(rest.slice(0, space));
    if (!Number.isFinite(len) || len <= 0) break;
    const record = Buffer.from(rest).subarray(0, len).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(space + 1, eq)] = record.slice(eq + 1, -1);
    rest = Buffer.from(rest).subarray(len).toString('utf8');
  }
  return out;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** The entries of the tar file at `path`, in order. */
export async function* readTar(path: string): AsyncGenerator<TarEntry> {
  const fh = await open(path, 'r');
  try {
    let pos = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      const header = await readAt(fh, pos, BLOCK);
      if (header.length < BLOCK || header.every((b) => b === 0)) return;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
      if (sum !== Number.parseInt(cstring(header, 148, 8).trim(), 8))
        throw new Error(`not a tar file (bad header at byte ${pos})`);
      const size = Number(pax.size ?? parseSize(header));
      const type = String.fromCharCode(header[156] || 48);
      const start = pos + BLOCK;
      pos = start + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        const body = (await readAt(fh, start, size)).toString('utf8');
        if (type === 'x') pax = parsePax(body);
        else longName = body.replace(/\0+$/, '');
        continue;
      }
      if (type === 'g') continue;
      const prefix = cstring(header, 345, 155);
      let name = pax.path ?? longName ?? (prefix ? `${prefix}/${cstring(header, 0, 100)}` : cstring(header, 0, 100));
      name = name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
      pax = {};
      longName = undefined;
      const kind = type === '0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other';
      yield {
        name,
        type: kind,
        size,
        open: () => (size === 0 ? Readable.from([]) : createReadStream(path, { start, end: start + size - 1 })),
      };
    }
  } finally {
    await fh.close();
  }
}
