/**
 * Where the server's log lines go: pino's own file writer (sonic-boom), fed
 * in batches. sonic-boom measures the UTF-8 length of its whole pending
 * buffer on every line it is given, which flattens and copies that buffer;
 * every request writes an access line. Handing it 16 KiB at a time makes
 * that cost per batch (3.5 → 1.5 µs a line: bench/probes/log-line.mjs);
 * sonic-boom still does the writing, retries and exit flush. Lines wait here
 * until a batch is full or the logger is flushed (`serve` flushes every second
 * and on shutdown).
 */
import pino, { type DestinationStream } from 'pino';
import { IsoClock } from '../core/iso-time.ts';

const BATCH_CHARS = 16 * 1024;

export class BatchedDestination implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly inner: ReturnType<typeof pino.destination>) {
    // Before pino's handlers for the same events, which flush sonic-boom and end it.
    process.prependListener('beforeExit', () => this.handOver());
    process.prependListener('exit', () => this.handOver());
  }

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= BATCH_CHARS) this.handOver();
  }

  /** Called by pino's `logger.flush()`. */
  flush(cb?: (err?: Error) => void): void {
    this.handOver();
    this.inner.flush(cb);
  }

  private handOver(): void {
    if (this.lines.length === 0) return;
    const batch = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.inner.write(batch);
  }
}

/** The server's log destination on file descriptor `fd` (1: standard output). */
export function logDestination(fd: number): BatchedDestination {
  return new BatchedDestination(pino.destination({ dest: fd, sync: false, minLength: 0 }));
}

/**
 * Writes an info line exactly as the server's pino logger (`base: undefined`, ISO time) would, without pino's
 * generic serialiser: the access log writes one per request, and pino's object walk was ~5% of a manifest GET's
 * CPU (bench/FINDINGS.md, "Session 9"). `fields` hold strings, numbers and booleans only.
 */
export function infoLines(
  destination: { write(line: string): void },
  enabled: () => boolean,
): (fields: Record<string, string | number | boolean>) => void {
  const clock = new IsoClock();
  return (fields) => {
    if (!enabled()) return;
    destination.write(`{"level":30,"time":"${clock.iso(Date.now())}",${JSON.stringify(fields).slice(1)}\n`);
  };
}
