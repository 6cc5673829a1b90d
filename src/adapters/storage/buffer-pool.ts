/**
 * Large read buffers for downloads, reused across requests and bounded in
 * number: a few big downloads get big buffers (fewer syscalls, faster); past
 * the bound, a download makes do with small ones, so memory stays flat
 * however many pulls run at once.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;

  constructor(
    readonly size: number,
    private readonly max: number,
    private readonly fallbackSize: number,
  ) {}

  acquire(): Buffer {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.allocated < this.max) {
      this.allocated++;
      return Buffer.allocUnsafeSlow(this.size);
    }
    return Buffer.allocUnsafe(this.fallbackSize);
  }

  release(buffer: Buffer): void {
    if (buffer.length === this.size) this.free.push(buffer);
  }
}
