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
 */
import type { FileHandle } from 'node:fs/promises';

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
  /** Chunks no writer holds, oldest first, kept for a download that is behind. */
  idle: Set<number>;
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
  ) {}

  /** Bytes of chunks held now (in flight or kept), for tests and metrics. */
  get heldBytes(): number {
    return this.held;
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
   * The bytes of `path` from `position` (at most up to `end`, exclusive): a
   * part of a shared chunk, or a private read when the budget is spent.
   * `fh` is the caller's handle on the same file.
   */
  async read(path: string, fh: FileHandle, position: number, end: number, fileSize: number): Promise<Piece> {
    const file = this.files.get(path);
    if (!file) throw new Error(`SharedReads.read of ${path} without open()`);
    const index = Math.floor(position / this.chunkSize);
    let chunk = file.chunks.get(index);
    if (!chunk) {
      const start = index * this.chunkSize;
      const size = Math.min(this.chunkSize, fileSize - start);
      if (size <= 0) throw new Error(`object ${path} is shorter than expected`);
      if (!this.makeRoom(size)) return this.readPrivate(path, fh, position, end);
      chunk = { data: this.readChunk(fh, path, start, size), size, users: 0 };
      file.chunks.set(index, chunk);
      this.held += size;
      const made = chunk;
      // A failed read is not kept: the next download tries again.
      made.data.catch(() => {
        if (file.chunks.get(index) === made) {
          file.idle.delete(index);
          file.chunks.delete(index);
          this.held -= made.size;
          this.forgetIfUnused(file);
        }
      });
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

  private async readChunk(fh: FileHandle, path: string, start: number, size: number): Promise<Buffer> {
    const buffer =
      size === this.chunkSize ? (this.spare.pop() ?? Buffer.allocUnsafeSlow(size)) : Buffer.allocUnsafeSlow(size);
    try {
      return await readInto(fh, path, buffer, start);
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

  private async readPrivate(path: string, fh: FileHandle, position: number, end: number): Promise<Piece> {
    const size = Math.min(this.privateSize, end - position);
    const bytes = await readInto(fh, path, Buffer.allocUnsafe(size), position);
    return { bytes, release: () => {} };
  }
}

/** Fills `buffer` from the file at `position`; a file that ends sooner is an error. */
async function readInto(fh: FileHandle, path: string, buffer: Buffer, position: number): Promise<Buffer> {
  const size = buffer.length;
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await fh.read(buffer, filled, size - filled, position + filled);
    if (bytesRead === 0) throw new Error(`object ${path} is shorter than expected`);
    filled += bytesRead;
  }
  return buffer;
}
