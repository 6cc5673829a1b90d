/**
 * A size-bounded cache of immutable content by digest (manifest bytes).
 * Content addressed by digest never changes, so entries never go stale;
 * the oldest entries are evicted first when the budget is exceeded.
 */
export class ByteCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(digest: string): Buffer | undefined {
    return this.entries.get(digest);
  }

  set(digest: string, value: Buffer): void {
    if (value.length > this.maxBytes || this.entries.has(digest)) return;
    this.entries.set(digest, value);
    this.bytes += value.length;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= old.length;
    }
  }

  delete(digest: string): void {
    const value = this.entries.get(digest);
    if (!value) return;
    this.entries.delete(digest);
    this.bytes -= value.length;
  }
}
