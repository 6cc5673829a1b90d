/**
 * Reads of one blob file shared between the downloads sending it at the same
 * time. In a pull storm (a Deployment rolled out over a cluster) hundreds of
 * clients GET the same few layers at once; read one by one, each chunk is
 * copied out of the page cache once per client, each copy a round trip to
 * libuv's thread pool (the profile: as much CPU as the socket writes, plus the
 * thread switches). Here a chunk is read once and the same buffer is written
 * to every socket that needs it.
 *
 * Only content-addressed objects may be shared (their bytes never change for
 * a given name). A chunk is kept after its last writer is done only while
 * another download of the same file is under way, so a lone download holds
 * no more than its two chunks in flight, and an idle server holds nothing.
 * The bytes held are bounded: past the budget, a download reads into small
 * private buffers, as if alone.
 *
 * The source is anything that reads a range into a buffer: a file handle
 * (FsDriver), or ranged GETs of an S3 object (S3Driver), where sharing turns
 * hundreds of object streams, which starve the S3 server, into one GET per
 * chunk; there a download also fetches `readahead` chunks ahead of the one it
 * writes, as a GET's round trip is dearer than a file read.
 */
import type { Writable } from 'node:stream';

/** Reads `length` bytes at `position` into `buffer` at `offset` (a FileHandle is one). */
export interface ChunkSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** A piece of a file to write out; `release()` once the write is over. */
export interface Piece {
  bytes: Buffer;
  release(): void;
}

interface Chunk {
  data: Promise<Buffer>;
  size: number;
  users: number;
}

interface OpenFile {
  path: string;
  readers: number;
  chunks: Map<number, Chunk>;
  /** Chunks no writer holds, oldest first, kept for a download that is behind (or fetched ahead). */
  idle: Set<number>;
  /** The object's size, asked once for all the downloads under way (sizeOf). */
  size?: Promise<number>;
}

export class SharedReads {
  private readonly files = new Map<string, OpenFile>();
  private held = 0;
  /** Chunk buffers kept for the next chunks (fresh memory means page faults, dear on the project's machines). */
  private readonly spare: Buffer[] = [];

  constructor(
    readonly chunkSize = 1024 * 1024,
    private readonly budget = 48 * 1024 * 1024,
    private readonly privateSize = 256 * 1024,
    private readonly keepSpare = 8,
    private readonly readahead = 0,
  ) {}

  /** Bytes of chunks held now (in flight or kept), for tests and metrics. */
  get heldBytes(): number {
    return this.held;
  }

  /** True while a download of `path` is under way. */
  isOpen(path: string): boolean {
    return (this.files.get(path)?.readers ?? 0) > 0;
  }

  /** Marks the start of a download of `path`; call the returned function when it ends. */
  open(path: string): () => void {
    let file = this.files.get(path);
    if (!file) {
      file = { path, readers: 0, chunks: new Map(), idle: new Set() };
      this.files.set(path, file);
    }
    file.readers++;
    const opened = file;
    return () => {
      opened.readers--;
      if (opened.readers > 0) return;
      for (const index of opened.idle) this.drop(opened, index);
      this.forgetIfUnused(opened);
    };
  }

  /**
   * The size of the open object `path`: `load()`ed by the first download and
   * shared with those that join while it is open (a failed load is not kept).
   */
  sizeOf(path: string, load: () => Promise<number>): Promise<number> {
    const file = this.files.get(path);
    if (!file) throw new Error(`SharedReads.sizeOf of ${path} without open()`);
    if (!file.size) {
      const size = load();
      file.size = size;
      size.catch(() => {
        if (file.size === size) file.size = undefined;
      });
    }
    return file.size;
  }

  /**
   * The bytes of `path` from `position` (at most up to `end`, exclusive): a
   * part of a shared chunk, or a private read when the budget is spent.
   * `source` reads the same object (the caller's file handle, say).
   */
  async read(path: string, source: ChunkSource, position: number, end: number, fileSize: number): Promise<Piece> {
    const file = this.files.get(path);
    if (!file) throw new Error(`SharedReads.read of ${path} without open()`);
    const index = Math.floor(position / this.chunkSize);
    let chunk = file.chunks.get(index);
    if (!chunk) {
      const size = Math.min(this.chunkSize, fileSize - index * this.chunkSize);
      if (size <= 0) throw new Error(`object ${path} is shorter than expected`);
      if (!this.makeRoom(size)) return this.readPrivate(path, source, position, end);
      chunk = this.startChunk(file, source, index, size);
    }
    // Chunks ahead: only into free room (a guess never evicts a chunk another download may need).
    for (let ahead = index + 1; ahead <= index + this.readahead; ahead++) {
      const size = Math.min(this.chunkSize, fileSize - ahead * this.chunkSize);
      if (size <= 0 || this.held + size > this.budget) break;
      if (file.chunks.has(ahead)) continue;
      this.startChunk(file, source, ahead, size);
      file.idle.add(ahead);
    }
    chunk.users++;
    file.idle.delete(index);
    const held = chunk;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users > 0 || file.chunks.get(index) !== held) return;
      if (file.readers > 1) file.idle.add(index);
      else this.drop(file, index);
    };
    let data: Buffer;
    try {
      data = await held.data;
    } catch (err) {
      release();
      throw err;
    }
    const offset = position - index * this.chunkSize;
    const stop = Math.min(held.size, end - index * this.chunkSize);
    return { bytes: data.subarray(offset, stop), release };
  }

  private startChunk(file: OpenFile, source: ChunkSource, index: number, size: number): Chunk {
    const chunk: Chunk = { data: this.readChunk(source, file.path, index * this.chunkSize, size), size, users: 0 };
    file.chunks.set(index, chunk);
    this.held += size;
    // A failed read is not kept: the next download tries again.
    chunk.data.catch(() => {
      if (file.chunks.get(index) === chunk) {
        file.idle.delete(index);
        file.chunks.delete(index);
        this.held -= chunk.size;
        this.forgetIfUnused(file);
      }
    });
    return chunk;
  }

  private drop(file: OpenFile, index: number): void {
    const chunk = file.chunks.get(index);
    file.idle.delete(index);
    if (!chunk || chunk.users > 0) return;
    file.chunks.delete(index);
    this.held -= chunk.size;
    // Its buffer is free once read: no writer holds it any more.
    chunk.data.then((b) => this.recycle(b)).catch(() => {});
    this.forgetIfUnused(file);
  }

  private forgetIfUnused(file: OpenFile): void {
    if (file.readers === 0 && file.chunks.size === 0 && this.files.get(file.path) === file)
      this.files.delete(file.path);
  }

  private recycle(buffer: Buffer): void {
    if (buffer.length === this.chunkSize && this.spare.length < this.keepSpare) this.spare.push(buffer);
  }

  private async readChunk(source: ChunkSource, path: string, start: number, size: number): Promise<Buffer> {
    const buffer =
      size === this.chunkSize ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(size)) : Buffer.allocUnsafeSlow(size);
    try {
      return await readInto(source, path, buffer, start);
    } catch (err) {
      this.recycle(buffer);
      throw err;
    }
  }

  /** Frees kept chunks (oldest first, any file) until `size` more fits the budget; false if it cannot. */
  private makeRoom(size: number): boolean {
    if (this.held + size <= this.budget) return true;
    for (const file of this.files.values()) {
      for (const index of file.idle) {
        this.drop(file, index);
        if (this.held + size <= this.budget) break;
      }
      if (this.held + size <= this.budget) return true;
    }
    return false;
  }

  private async readPrivate(path: string, source: ChunkSource, position: number, end: number): Promise<Piece> {
    const size = Math.min(this.privateSize, end - position);
    const bytes = await readInto(source, path, Buffer.allocUnsafe(size), position);
    return { bytes, release: () => {} };
  }

  /**
   * Sends bytes [start, end) of `path` (of `size` bytes) to `dest`, without
   * ending it; between `open(path)` and its close. Reads the next piece while
   * the previous one drains: at most two writes in flight.
   */
  async send(path: string, source: ChunkSource, dest: Writable, start: number, end: number, size: number) {
    let position = start;
    const inFlight: Promise<void>[] = [];
    try {
      while (position < end) {
        if (inFlight.length === 2) await inFlight.shift();
        const piece = await this.read(path, source, position, end, size);
        position += piece.bytes.length;
        const written = writeAndWait(dest, piece.bytes).finally(piece.release);
        written.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
        inFlight.push(written);
      }
      await Promise.all(inFlight);
    } finally {
      await Promise.allSettled(inFlight);
    }
  }
}

/** Writes `chunk` to `dest`; resolves once it is handed to the destination, rejects if it closes first. */
export function writeAndWait(dest: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (dest.destroyed) return reject(new Error('destination closed'));
    const onClose = () => reject(new Error('destination closed'));
    dest.once('close', onClose);
    dest.write(chunk, (err) => {
      dest.off('close', onClose);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Fills `buffer` from the source at `position`; an object that ends sooner is an error. */
async function readInto(source: ChunkSource, path: string, buffer: Buffer, position: number): Promise<Buffer> {
  const size = buffer.length;
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await source.read(buffer, filled, size - filled, position + filled);
    if (bytesRead === 0) throw new Error(`object ${path} is shorter than expected`);
    filled += bytesRead;
  }
  return buffer;
}
