/**
 * Appends to upload files with O_DIRECT where the filesystem allows it.
 *
 * A buffered write first copies every byte into the page cache, whose pages
 * this machine's kernel must allocate and the hypervisor often back anew
 * (`bench/probes/fresh-memory.mjs`): writing 1 GiB that way cost 0.25–2.9 CPU-s
 * in the kernel and ran at 0.5–2.5 GB/s, against 0.1 CPU-s and 2.5–3.1 GB/s
 * written directly from a few reused buffers (`bench/probes/direct-write.mjs`).
 * Uploads are written once and read later; caching them on the way in buys
 * nothing.
 *
 * O_DIRECT needs the memory, the file offset and the length aligned, so the
 * bytes are gathered in aligned buffers and only whole blocks go direct. The
 * unaligned head and tail of an append, and everything when no aligned buffer
 * is free or the filesystem refuses O_DIRECT (EINVAL: some network and FUSE
 * filesystems, tmpfs before Linux 6.6), go through an ordinary buffered
 * descriptor to the same file. The kernel keeps the two coherent; the commit's
 * fsync makes both durable.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { withWriteback } from './writeback.ts';

/** Direct I/O alignment: 4 KiB covers 512-byte and 4 KiB logical blocks. */
export const ALIGN = 4096;
const STAGE_BYTES = 1024 * 1024;

/**
 * Aligned buffers carved from one WebAssembly memory (page-aligned by V8),
 * allocated on first use and kept: two per upload written directly, so eight
 * let four big uploads at once go direct; further uploads write buffered.
 */
class AlignedPool {
  private memory: WebAssembly.Memory | null = null;
  private readonly free: Buffer[] = [];

  constructor(private readonly count: number) {}

  acquire(): Buffer | null {
    if (!this.memory) {
      this.memory = new WebAssembly.Memory({ initial: (this.count * STAGE_BYTES) / 65536 });
      for (let i = 0; i < this.count; i++)
        this.free.push(Buffer.from(this.memory.buffer, i * STAGE_BYTES, STAGE_BYTES));
    }
    return this.free.pop() ?? null;
  }

  release(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

const pool = new AlignedPool(8);

/** Aligned buffers free now (tests). */
export const alignedBuffersFree = (): number => (pool as unknown as { free: Buffer[] }).free.length;

/**
 * A stage still partly filled when the client pauses this long is written out
 * (whole blocks direct, the rest buffered) and its buffer returned: a stalled
 * or trickling upload must not keep an aligned buffer from the others.
 */
const IDLE_FLUSH_MS = 20;

/** Whether direct writes work where uploads live; learnt from the first refusal. */
const directRefused = new Set<string>();

function refusedAlignment(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EINVAL';
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten === 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/**
 * Writes `source` to the file at `path` from `offset` on, through `buffered`
 * (the caller's descriptor of that file, which it closes) and a direct
 * descriptor opened here; returns the number of bytes written and how many of
 * them went direct. `root` names the filesystem for remembering a refusal;
 * `tryDirect: false` writes buffered only.
 */
export async function appendFile(
  buffered: FileHandle,
  path: string,
  root: string,
  offset: number,
  source: AsyncIterable<Buffer>,
  tryDirect = true,
): Promise<{ written: number; direct: number }> {
  let direct: FileHandle | null = null;
  if (tryDirect && !directRefused.has(root)) {
    direct = await open(path, constants.O_WRONLY | constants.O_DIRECT).catch((err) => {
      if (refusedAlignment(err)) directRefused.add(root);
      return null;
    });
  }
  const appender = new Appender(buffered, direct, offset, () => directRefused.add(root));
  // Buffered writes leave the flushing to the commit's fsync unless started early (writeback.ts).
  const chunks = direct ? source : withWriteback(source, path, offset);
  try {
    for await (const chunk of chunks) await appender.write(chunk);
    await appender.end();
    return { written: appender.position - offset, direct: appender.directBytes };
  } finally {
    await appender.settle();
    await direct?.close();
  }
}

class Appender {
  /** The aligned buffer being filled, and the file position of its first byte. */
  private stage: Buffer | null = null;
  private stageStart = 0;
  private filled = 0;
  /** The one direct write allowed in flight while the next buffer fills. */
  private inFlight: Promise<void> | null = null;
  /** Armed after each chunk while a stage is held; flushes it if no chunk follows soon. */
  private idle: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  directBytes = 0;

  constructor(
    private readonly buffered: FileHandle,
    private direct: FileHandle | null,
    public position: number,
    private readonly onRefused: () => void,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    await this.quiet();
    try {
      await this.writeChunk(chunk);
    } finally {
      if (this.stage) this.idle = setTimeout(() => this.flushIdle(), IDLE_FLUSH_MS).unref();
    }
  }

  /** Stops the idle timer and waits for a flush it started (its error is this append's). */
  private async quiet(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const flushing = this.flushing;
    this.flushing = null;
    if (flushing) await flushing;
  }

  private flushIdle(): void {
    this.idle = null;
    const flushing = this.flushStage();
    flushing.catch(() => {}); // awaited by the next write, end() or settle()
    this.flushing = flushing;
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const aligned = this.direct !== null && this.position % ALIGN === 0;
      if (!this.stage && aligned) this.takeStage();
      if (!this.stage) {
        // Buffered: up to the next block boundary when unaligned, all of it when direct writes are off or no
        // aligned buffer is free.
        const rest = chunk.length - offset;
        const n = this.direct && !aligned ? Math.min(rest, ALIGN - (this.position % ALIGN)) : rest;
        await writeAll(this.buffered, chunk.subarray(offset, offset + n), this.position);
        this.position += n;
        offset += n;
        continue;
      }
      const stage = this.stage;
      const n = chunk.copy(stage, this.filled, offset);
      this.filled += n;
      this.position += n;
      offset += n;
      if (this.filled === stage.length) await this.writeStage(stage.length);
    }
  }

  /** Takes a free aligned buffer, if there is one, to gather bytes from the (aligned) position on. */
  private takeStage(): void {
    this.stage = pool.acquire();
    this.stageStart = this.position;
    this.filled = 0;
  }

  /** Hands the stage's first `length` bytes (whole blocks) to a direct write; the rest stays for the caller. */
  private async writeStage(length: number): Promise<void> {
    const stage = this.stage as Buffer;
    const start = this.stageStart;
    this.stage = null;
    try {
      await this.inFlight; // at most one write in flight per upload
    } catch (err) {
      pool.release(stage);
      throw err;
    }
    const write = this.writeDirect(stage.subarray(0, length), start).finally(() => pool.release(stage));
    write.catch(() => {}); // awaited by the next write or by end(); no unhandled rejection meanwhile
    this.inFlight = write;
  }

  private async writeDirect(data: Buffer, position: number): Promise<void> {
    try {
      if (this.direct) {
        await writeAll(this.direct, data, position);
        this.directBytes += data.length;
        return;
      }
    } catch (err) {
      if (!refusedAlignment(err)) throw err;
      this.onRefused();
      this.direct = null;
    }
    // Refused (or refused by an earlier write): the same bytes, buffered.
    await writeAll(this.buffered, data, position);
  }

  /** Writes what is left in the stage (whole blocks direct, the last partial block buffered), then waits. */
  async end(): Promise<void> {
    await this.quiet();
    await this.flushStage();
    await this.inFlight;
  }

  /** Empties the stage: whole blocks go direct, the partial block buffered; the buffer returns to the pool. */
  private async flushStage(): Promise<void> {
    const stage = this.stage;
    if (stage) {
      const whole = this.filled - (this.filled % ALIGN);
      const tail = Buffer.from(stage.subarray(whole, this.filled));
      const tailStart = this.stageStart + whole;
      if (whole > 0) await this.writeStage(whole);
      else {
        this.stage = null;
        pool.release(stage);
      }
      if (tail.length > 0) await writeAll(this.buffered, tail, tailStart);
    }
  }

  /** Waits for any write still running and returns the buffers (after an error too). */
  async settle(): Promise<void> {
    await this.quiet().catch(() => {});
    await this.inFlight?.catch(() => {});
    if (this.stage) pool.release(this.stage);
    this.stage = null;
  }
}
