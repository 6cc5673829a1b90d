/**
 * A streaming reader of tar archives (ustar, GNU long names, pax headers),
 * enough for image layers: it yields each entry's header and, only for the
 * files the caller wants, their contents (bounded in size). Written here
 * rather than taken from npm to keep the scanner's input handling small,
 * bounded and ours: a layer is untrusted input.
 */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  size: number;
  linkname: string;
  mode: number;
  uid: number;
}

export interface TarLimits {
  /** Longest path accepted (deeper or longer ones are skipped). */
  maxPathLength: number;
  /** Largest file content kept for the caller. */
  maxFileBytes: number;
  /** Entries read before the archive is declared a bomb. */
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxPathLength: 4096, maxFileBytes: 64 << 20, maxEntries: 500_000 };

export class ScanLimitError extends Error {}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  // Base-256 for large sizes (GNU): high bit of the first byte set.
  if (header[offset] & 0x80) {
    let n = 0;
    for (let i = offset + 1; i < offset + length; i++) n = n * 256 + header[i];
    return n;
  }
  const s = field(header, offset, length).trim();
  return s ? Number.parseInt(s, 8) || 0 : 0;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString());
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly iterator: AsyncIterator<Buffer>;
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly n bytes, or null at the end of the stream. */
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  /** Skips n bytes without keeping them. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      const head = this.chunks[0];
      if (head.length <= left) {
        left -= head.length;
        this.buffered -= head.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = head.subarray(left);
        this.buffered -= left;
        left = 0;
      }
    }
    return true;
  }
}

/**
 * Walks a tar stream. `want(entry)` decides whether a file's content is read
 * (and handed to `onFile`); everything else is skipped unread.
 */
export async function walkTar(
  source: AsyncIterable<Buffer>,
  visit: (entry: TarEntry) => boolean,
  onFile: (entry: TarEntry, content: Buffer) => void,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<number> {
  const reader = new ByteReader(source);
  let entries = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  for (;;) {
    const header = await reader.read(BLOCK);
    if (!header || header.every((b) => b === 0)) return entries;
    if (++entries > limits.maxEntries) throw new ScanLimitError(`layer has more than ${limits.maxEntries} entries`);
    const size = octal(header, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const flag = String.fromCharCode(header[156] || 48);
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size > 1 << 20) throw new ScanLimitError('tar extended header larger than 1 MiB');
      const body = await reader.read(padded);
      if (!body) return entries;
      const content = body.subarray(0, size);
      if (flag === 'L') longName = field(content, 0, size);
      else if (flag === 'K') longLink = field(content, 0, size);
      else if (flag === 'x') pax = parsePax(content);
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = field(header, 0, 100);
    let path = pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const linkname = pax.linkpath ?? longLink ?? field(header, 157, 100);
    longName = null;
    longLink = null;
    pax = {};
    path = path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const type: TarEntry['type'] =
      flag === '0' || flag === '7' || flag === '\0'
        ? 'file'
        : flag === '5'
          ? 'dir'
          : flag === '2'
            ? 'symlink'
            : flag === '1'
              ? 'hardlink'
              : 'other';
    const entry: TarEntry = {
      path,
      type,
      size,
      linkname,
      mode: octal(header, 100, 8),
      uid: octal(header, 108, 8),
    };
    if (path.length > limits.maxPathLength) {
      if (!(await reader.skip(padded))) return entries;
      continue;
    }
    // Every entry is shown (whiteouts, shells, links); only wanted files are read.
    const keep = visit(entry) && type === 'file' && size <= limits.maxFileBytes;
    if (!keep) {
      if (!(await reader.skip(padded))) return entries;
      continue;
    }
    const body = await reader.read(padded);
    if (!body) return entries;
    onFile(entry, Buffer.from(body.subarray(0, size)));
  }
}
