/**
 * Early writeback of uploads written through the page cache (where O_DIRECT is
 * off or refused; direct-append.ts). A blob is fsync-ed once, at commit;
 * left alone, the kernel holds all of a 1 GiB upload in the page cache and that
 * final fsync writes it all while the client waits (~1.7 s per GiB on the
 * project machines). Flushing each upload file in the background as it grows
 * lets the disk work while bytes still arrive, so the commit's fsync finds
 * little left to write. Durability still comes only from the commit's fsync:
 * these flushes are a hint and their failures are ignored.
 */
import { syncPath } from './sync-path.ts';

/**
 * Flush after every this many bytes appended to an upload, one flush at a
 * time in the process. Each fdatasync also commits the filesystem's journal,
 * which holds up the writes arriving meanwhile: flushing every 128 MiB, one at
 * a time, took chunked uploads from a median 1.7× to 2.1× Distribution's speed
 * in alternating runs (32 MiB with 2 at once before; bench/FINDINGS.md).
 * fdatasync also blocks a libuv thread, which reads and writes need.
 */
export const WRITEBACK_STEP = 128 * 1024 * 1024;
const MAX_IN_FLIGHT = 1;

const inFlight = new Set<string>();

/** Starts an fdatasync of `path` unless one is running for it or too many are. */
export function flushInBackground(path: string): void {
  if (inFlight.has(path) || inFlight.size >= MAX_IN_FLIGHT) return;
  inFlight.add(path);
  void syncPath(path, true)
    .catch(() => {}) // the upload may be gone (aborted, committed): nothing to flush
    .finally(() => inFlight.delete(path));
}

/**
 * Passes `source` through, starting a background flush of `path` each time the
 * file crosses a multiple of WRITEBACK_STEP (counted from `offset`, where the
 * append starts, so chunked uploads flush as often as monolithic ones).
 */
export async function* withWriteback(
  source: AsyncIterable<Buffer>,
  path: string,
  offset: number,
): AsyncIterable<Buffer> {
  let position = offset;
  let next = (Math.floor(offset / WRITEBACK_STEP) + 1) * WRITEBACK_STEP;
  for await (const chunk of source) {
    position += chunk.length;
    if (position >= next) {
      flushInBackground(path);
      next = (Math.floor(position / WRITEBACK_STEP) + 1) * WRITEBACK_STEP;
    }
    yield chunk;
  }
}
