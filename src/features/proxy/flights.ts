/**
 * Single flight for blobs fetched from upstreams: concurrent pulls of the
 * same uncached blob share ONE upstream fetch. The fetch is written to a
 * spool file (each client reads it at its own pace, from the start, however
 * late it joined) while the same bytes go into a blob upload that is
 * verified (digest and length) before it is committed.
 *
 * The upstream is read at its own pace: each chunk is hashed once (by the
 * flight, on the hashing thread), handed to the clients and queued for the
 * store, which writes behind (a bounded lead, `STORE_LEAD_BYTES`) and takes
 * the flight's digest of those same buffers instead of hashing them again.
 * A client is never sent a blob's last byte before every byte came and
 * hashes to the digest: on a wrong digest or a truncated body every client
 * is cut off short of a complete response, and the store refuses the bytes
 * (nothing is stored). The client's last byte does not wait for the store's
 * disk writes or commit; a store that fails after that stores nothing and
 * the next pull fetches again.
 *
 * A client that has read everything received so far is "live": the next
 * chunks are handed to it from memory as they pass (no spool read, no new
 * buffer); only a client that falls behind (its socket is slower, or it
 * joined late) reads the spool file until it catches up. Spool writes are
 * batched (one writev for the chunks that came while the last write ran).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inlineHash } from '../../core/digest.ts';
import type { RunningHash } from '../../core/ports.ts';
import { StoreQueue } from './store-queue.ts';

/**
 * How far the upstream may run ahead of the store's disk writes (bytes held
 * in memory per fill): a layer of this size or less reaches its clients at
 * the upstream's pace however slow the disk; beyond it the fill waits for
 * the store.
 */
export const STORE_LEAD_BYTES = 1024 * 1024;

export interface FlightSource {
  /** Content-Length from the upstream; null when it sent none. */
  size: number | null;
  body: Readable;
}

/** A client's view of a flight. */
interface FlightReader {
  /** Bytes handed to the client so far. */
  pos: number;
  /** Caught up with the upstream: the tee hands it chunks directly. */
  live: boolean;
  /** Hands bytes to the client; false: its buffer is full (it leaves live mode and resumes by reading). */
  deliver(chunk: Buffer): boolean;
  /** Runs the reader's pump (a state change: verified, finished, failed). */
  wake(): void;
}

interface Flight {
  digest: string;
  path: string;
  size: number;
  /** Bytes that passed the tee (hashed, handed to the store and the live readers). */
  received: number;
  /** End of the spooled stretch `[spooledFrom, written)` the readers behind read back. */
  written: number;
  /** Start of that stretch; -1 while chunks are skipped (every client took them from memory). */
  spooledFrom: number;
  /** Some chunks were never spooled: a client joining now cannot start from the spool. */
  skipped: boolean;
  /** The blob's last byte (sent once verified, from memory). */
  tail: Buffer | null;
  readers: Set<FlightReader>;
  state: 'running' | 'done' | 'failed';
  /** Every byte arrived and hashes to the digest: clients may have the last byte (before the store commits). */
  verified: boolean;
  error: Error | null;
  refs: number;
  waiters: Array<() => void>;
  finished: Promise<void>;
}

/**
 * Consumes the body into storage and must verify it (digest and length)
 * before storing it. `digest`: the flight's SHA-256 of exactly the body's
 * buffers (settles once the body ended; null when the flight did not hash
 * it), which the store may take instead of hashing the bytes again.
 */
export type FlightStore = (body: AsyncIterable<Buffer>, size: number, digest: Promise<string> | null) => Promise<void>;

export interface FlightJoin {
  size: number;
  /** The blob's bytes as they arrive; absent when the flight finished first (serve from storage). */
  stream?: Readable;
  /** Settles when the blob is stored (or the fetch failed). */
  finished: Promise<void>;
}

export class BlobFlights {
  private readonly flights = new Map<string, Promise<Flight>>();
  private readonly sizes = new Map<string, number>();
  private seq = 0;

  /** `dir` is emptied: spool files of a process that died mid-fetch are garbage. */
  /** `newHash`: the SHA-256 the flights hash their bodies with (the uploads' hashing thread). */
  constructor(
    private readonly dir: string,
    private readonly newHash: () => RunningHash = inlineHash,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
  }

  get active(): number {
    return this.flights.size;
  }

  /** Waits for the fetches in progress to end (stored or failed), at most `timeoutMs`. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const all = Promise.allSettled([...this.flights.values()].map((p) => p.then((f) => f.finished).catch(() => {})));
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** The size of a blob being fetched, once its fetch has started; null otherwise. */
  sizeOf(digest: string): number | null {
    return this.sizes.get(digest) ?? null;
  }

  /** True while `digest` is being fetched (its store may be committing). */
  inFlight(digest: string): boolean {
    return this.flights.has(digest);
  }

  /**
   * Joins the fetch of `digest`, or starts it: `fetch` opens the upstream
   * body, `store` consumes it (and must verify it) into storage,
   * `onBytes` counts bytes from the upstream.
   */
  async join(
    digest: string,
    fetch: () => Promise<FlightSource>,
    store: FlightStore,
    onBytes: (n: number) => void,
  ): Promise<FlightJoin> {
    let pending = this.flights.get(digest);
    if (!pending) {
      pending = this.start(digest, fetch, store, onBytes);
      this.flights.set(digest, pending);
      pending.catch(() => this.flights.delete(digest));
    }
    const flight = await pending;
    // Finished, or chunks went by unspooled: this client is served from storage once the blob is stored.
    const fromStorage = async (): Promise<FlightJoin> => {
      await flight.finished;
      return { size: flight.size, finished: flight.finished };
    };
    if (flight.state !== 'running' || flight.skipped) return fromStorage();
    flight.refs++;
    // The spool is opened once this client needs to read it back (most never do): no file open before its headers.
    return { size: flight.size, stream: this.reader(flight), finished: flight.finished };
  }

  private async start(
    digest: string,
    fetch: () => Promise<FlightSource>,
    store: FlightStore,
    onBytes: (n: number) => void,
  ): Promise<Flight> {
    const source = await fetch();
    if (source.size === null) {
      // No length to promise a client: store first, serve from storage after.
      source.size = -1;
    }
    if (source.size >= 0) this.sizes.set(digest, source.size);
    const path = join(this.dir, `${process.pid}-${++this.seq}-${digest.replace(':', '-')}`);
    // Opened beside the first chunks (not before the client's headers); writes wait for it.
    const file = open(path, 'w');
    file.catch(() => {});
    let settle!: () => void;
    const flight: Flight = {
      digest,
      path,
      size: source.size,
      received: 0,
      written: 0,
      spooledFrom: 0,
      skipped: false,
      tail: null,
      readers: new Set(),
      state: 'running',
      verified: false,
      error: null,
      refs: 0,
      waiters: [],
      finished: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    const notify = () => {
      const waiters = flight.waiters.splice(0);
      for (const w of waiters) w();
    };
    /** A state change every reader must see (live ones are waiting on the tee, not on the spool). */
    const wakeAll = () => {
      notify();
      for (const r of flight.readers) r.wake();
    };
    // The spool write runs beside the store: a chunk goes on to the upload at once, and readers
    // see it once it is in the spool file (writes are chained, so in order).
    // Chunks waiting for the spool (from offset `queuedAt`), written together by one writer at a time.
    let queued: Buffer[] = [];
    let queuedAt = 0;
    let writing: Promise<void> | null = null;
    let spoolError: Error | null = null;
    /** Bumped when the spool starts again after skipped chunks: a write of the old stretch no longer counts. */
    let stretch = 0;
    const spool = (c: Buffer, at: number) => {
      if (flight.spooledFrom < 0) {
        // The first chunk spooled since some were skipped: a new stretch begins here.
        stretch++;
        queued = [];
        flight.spooledFrom = at;
        flight.written = at;
      }
      if (queued.length === 0) queuedAt = at;
      queued.push(c);
      if (writing) return;
      writing = (async () => {
        try {
          while (queued.length > 0) {
            const batch = queued;
            const offset = queuedAt;
            const mine = stretch;
            queued = [];
            const { bytesWritten } = await (await file).writev(batch, offset);
            const total = batch.reduce((n, b) => n + b.length, 0);
            if (bytesWritten !== total) throw new Error(`spool write: ${bytesWritten} of ${total} bytes`);
            if (mine !== stretch) continue;
            flight.written = offset + total;
            notify();
          }
        } catch (err) {
          spoolError = err as Error;
        } finally {
          writing = null;
        }
      })();
    };
    /**
     * A chunk need not be spooled when every client has had every byte so far
     * from memory and takes this one from memory too: nobody would read it
     * back (the blob's last byte, held back until verified, is kept in memory
     * too). A client joining after a skipped chunk is served from storage
     * once the blob is stored.
     */
    const unneeded = (at: number): boolean => {
      if (flight.readers.size === 0) return false;
      for (const r of flight.readers) if (!r.live || r.pos !== at) return false;
      return true;
    };
    const hash = digest.startsWith('sha256:') ? this.newHash() : inlineHash(digest.split(':')[0] as string);
    const queue = new StoreQueue(STORE_LEAD_BYTES);
    /** The flight's own hash of the body (the store's bytes, the same buffers): what the store checks too. */
    let digestOfBody!: (hex: Promise<string>) => void;
    const bodyDigest = new Promise<string>((resolve) => {
      digestOfBody = (hex) => resolve(hex.then((h) => `${digest.split(':')[0]}:${h}`));
    });
    bodyDigest.catch(() => {}); // a failed fill's store fails on its body first
    /**
     * Reads the upstream at its own pace: each chunk is hashed, spooled, handed
     * to the live clients and queued for the store (which writes behind).
     * Resolves once every byte came and hashes to the digest; clients get
     * their last byte then, without waiting for the store.
     */
    const tee = async (): Promise<void> => {
      try {
        for await (const chunk of source.body) {
          if (spoolError) throw spoolError;
          const c = chunk as Buffer;
          const at = flight.received;
          flight.received += c.length;
          if (flight.received > flight.size) throw new Error('the upstream sent more bytes than it announced');
          const hashed = hash.update(c);
          if (flight.received === flight.size) flight.tail = c.subarray(c.length - 1);
          const skip = unneeded(at);
          if (!skip) spool(c, at);
          onBytes(c.length);
          // Live clients get the chunk now, short of the blob's last byte (that waits for verification).
          const end = Math.min(flight.received, flight.size - 1);
          if (end > at) {
            for (const r of flight.readers) {
              if (!r.live) continue;
              if (r.pos !== at) {
                r.live = false;
                r.wake();
                continue;
              }
              const part = end - at === c.length ? c : c.subarray(0, end - at);
              r.pos = end;
              if (!r.deliver(part)) r.live = false;
            }
          }
          if (skip) {
            flight.skipped = true;
            flight.spooledFrom = -1;
          }
          const stored = queue.push(c);
          if (hashed) await hashed;
          if (stored) await stored;
        }
        if (flight.received !== flight.size)
          throw new Error(`the upstream body ended after ${flight.received} of ${flight.size} bytes`);
      } catch (err) {
        hash.drop();
        digestOfBody(Promise.reject(err as Error));
        queue.fail(err as Error);
        throw err;
      }
      // Asked for as soon as the body ends, beside the store's last writes.
      const hex = hash.digest();
      digestOfBody(hex);
      queue.end();
      const actual = await bodyDigest;
      if (actual !== digest) throw new Error(`the upstream's bytes hash to ${actual}, not ${digest}`);
      while (writing) await writing;
      if (spoolError) throw spoolError;
      flight.verified = true;
      wakeAll();
    };
    const run = async () => {
      try {
        if (flight.size < 0) {
          let n = 0;
          const counted = (async function* () {
            for await (const c of source.body) {
              n += (c as Buffer).length;
              onBytes((c as Buffer).length);
              yield c as Buffer;
            }
          })();
          hash.drop();
          await store(counted, -1, null);
          flight.size = n;
        } else {
          // The store's failure (a disk error) does not fail verified bytes already streaming to clients.
          const storing = store(queue, flight.size, bodyDigest);
          storing.catch(() => {});
          const teed = tee();
          teed.catch(() => {});
          const [t, s] = await Promise.allSettled([teed, storing]);
          if (t.status === 'rejected') throw t.reason;
          if (s.status === 'rejected') throw s.reason;
        }
        flight.state = 'done';
      } catch (err) {
        flight.state = 'failed';
        flight.error = err as Error;
        source.body.destroy();
      } finally {
        while (writing) await writing;
        await file.then((f) => f.close()).catch(() => {});
        this.flights.delete(digest);
        this.sizes.delete(digest);
        wakeAll();
        settle();
        if (flight.refs === 0) await unlink(path).catch(() => {});
      }
    };
    if (flight.size < 0) {
      await run();
      if (flight.state === 'failed') throw flight.error;
      return flight;
    }
    void run();
    return flight;
  }

  private release(flight: Flight): void {
    if (--flight.refs === 0 && flight.state !== 'running') void unlink(flight.path).catch(() => {});
  }

  private reader(flight: Flight): Readable {
    let handle: FileHandle | null = null;
    let busy = false;
    let again = false;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      flight.readers.delete(reader);
      void handle?.close().catch(() => {});
      this.release(flight);
    };
    const changed = () => new Promise<void>((resolve) => flight.waiters.push(resolve));
    const run = () => {
      if (busy) {
        again = true; // woken while pumping: look again once this pass ends
        return;
      }
      busy = true;
      void pump().finally(() => {
        busy = false;
        if (again) {
          again = false;
          run();
        }
      });
    };
    const stream = new Readable({
      highWaterMark: 1024 * 1024,
      read() {
        if (!reader.live) run();
      },
      destroy(err, callback) {
        release();
        callback(err);
      },
    });
    const reader: FlightReader = {
      pos: 0,
      live: false,
      deliver: (chunk) => stream.push(chunk),
      wake: () => {
        reader.live = false;
        run();
      },
    };
    flight.readers.add(reader);
    const pump = async () => {
      for (;;) {
        if (stream.destroyed) return;
        if (flight.state === 'failed' && !flight.verified) {
          stream.destroy(flight.error ?? new Error('upstream fetch failed'));
          return;
        }
        if (reader.pos < flight.spooledFrom) {
          // Bytes this client lacks were never spooled (cannot happen: chunks are skipped only when every client has them).
          stream.destroy(new Error('spool gap'));
          return;
        }
        const final = flight.state === 'done' || flight.verified;
        if (final && flight.tail && reader.pos === flight.size - 1) {
          reader.pos = flight.size;
          stream.push(flight.tail);
          continue;
        }
        // The last byte waits for verification: a failed blob never reaches a client whole.
        const limit = final ? flight.written : Math.min(flight.written, flight.size - 1);
        if (reader.pos < limit) {
          const buf = Buffer.allocUnsafe(Math.min(limit - reader.pos, 1024 * 1024));
          try {
            if (!handle) {
              const h = await open(flight.path, 'r');
              if (released) {
                void h.close().catch(() => {});
                return;
              }
              handle = h;
            }
            const { bytesRead } = await handle.read(buf, 0, buf.length, reader.pos);
            reader.pos += bytesRead;
            if (!stream.push(buf.subarray(0, bytesRead))) return;
          } catch (err) {
            stream.destroy(err as Error);
            return;
          }
          continue;
        }
        if (final && reader.pos >= flight.size) {
          stream.push(null);
          release();
          return;
        }
        if (final) {
          stream.destroy(new Error('spool gap')); // cannot happen: bytes a client lacks are always spooled
          return;
        }
        if (!final && flight.state === 'running' && reader.pos === Math.min(flight.received, flight.size - 1)) {
          // Caught up with the upstream: the tee hands over what comes next (or a wake says it is over).
          reader.live = true;
          return;
        }
        await changed();
      }
    };
    return stream;
  }
}
