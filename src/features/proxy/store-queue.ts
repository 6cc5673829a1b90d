/**
 * The chunks a proxy fill hands its store, in memory: the fill reads its
 * upstream at the upstream's pace (clients get the bytes as they come), and
 * the store writes them to disk at its own. Up to `limit` bytes wait here;
 * beyond that the fill waits for the store (a slow disk bounds the memory,
 * not the upstream).
 */
export class StoreQueue implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private ended = false;
  private error: Error | null = null;
  /** The store waiting for a chunk. */
  private wakeStore: (() => void) | null = null;
  /** The fill waiting for room. */
  private wakeFill: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  /** Queues a chunk; a returned promise: wait for room before the next. */
  push(chunk: Buffer): Promise<void> | undefined {
    if (this.error) return undefined; // the store gave up: the fill goes on for its clients
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.wake();
    if (this.bytes <= this.limit) return undefined;
    return new Promise<void>((resolve) => {
      this.wakeFill = resolve;
    });
  }

  /** No more chunks: the store sees the end. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The body failed (or the store did): the store's read throws, queued chunks go. */
  fail(err: Error): void {
    if (!this.error) this.error = err;
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    this.wake();
    this.room();
  }

  private wake(): void {
    const w = this.wakeStore;
    this.wakeStore = null;
    w?.();
  }

  private room(): void {
    const w = this.wakeFill;
    this.wakeFill = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.error) throw this.error;
        if (this.head < this.chunks.length) {
          const c = this.chunks[this.head] as Buffer;
          this.chunks[this.head++] = EMPTY; // no reference kept: the store's copy is the last
          if (this.head > 1024) {
            this.chunks = this.chunks.slice(this.head);
            this.head = 0;
          }
          this.bytes -= c.length;
          if (this.bytes <= this.limit) this.room();
          yield c;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wakeStore = resolve;
        });
      }
    } finally {
      // The store stopped reading (done or failed): the fill must never wait on it again.
      if (!this.ended) this.fail(new Error('the store stopped reading'));
    }
  }
}

const EMPTY = Buffer.alloc(0);
