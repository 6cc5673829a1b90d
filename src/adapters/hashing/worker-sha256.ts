/**
 * SHA-256 of uploads on a worker thread. Hashing is a third of the event
 * loop's work during a big upload (~0.5 CPU-s per GiB); on its own thread it
 * runs beside the socket reads and file writes instead of between them.
 *
 * Bytes are copied into 1 MiB staging buffers that are transferred (not
 * cloned) to the worker and handed back once hashed; a fixed number of them
 * bounds the memory and makes a fast client wait for a slow hasher. If the
 * worker dies, its hashes fail (uploads then re-read their bytes to verify
 * them) and new hashes are computed inline.
 */
import { Worker } from 'node:worker_threads';
import { inlineHash } from '../../core/digest.ts';
import type { RunningHash, RunningHashFactory } from '../../core/ports.ts';

const STAGE_BYTES = 1024 * 1024;
const MAX_STAGES = 8;
/**
 * A partly filled stage is sent to the thread when no bytes came for this
 * long: an upload whose client stalls (or trickles) must not hold a buffer
 * while it waits for its socket, or eight such uploads starve every other.
 */
const IDLE_SEND_MS = 20;

// Plain CommonJS run with `eval`: no file to resolve, the same under tsx and in dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ op: 'free', buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: hash.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

type WorkerReply = { op: 'free'; buffer: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

interface PendingDigest {
  resolve(hex: string): void;
  reject(err: Error): void;
}

export class WorkerSha256 {
  private worker: Worker | null = null;
  private failed = false;
  private nextId = 1;
  private free: ArrayBuffer[] = [];
  private stages = 0;
  /** Hashes started and not yet finished or dropped. */
  private open = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly waitingForStage: (() => void)[] = [];
  private readonly digests = new Map<number, PendingDigest>();
  /** Replies awaited; the worker keeps the process alive only while there are some. */
  private awaited = 0;

  /** `idleMs`: with no hash open for this long, the thread and its buffers go (a new one starts in ~30 ms). */
  constructor(private readonly idleMs = 10_000) {}

  /** A RunningHash factory for the core. */
  readonly factory: RunningHashFactory = () => (this.failed ? inlineHash() : this.create());

  get threadRunning(): boolean {
    return this.worker !== null;
  }

  /** Stops the worker (tests, shutdown); later hashes start a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.free = [];
    this.stages = 0;
    for (const pending of this.digests.values()) pending.reject(new Error('hashing thread stopped'));
    this.digests.clear();
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'berth-sha256' });
    worker.on('message', (m: WorkerReply) => this.onReply(m));
    worker.on('error', (err) => this.onFailure(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.onFailure(new Error(`hashing thread exited with code ${code}`));
    });
    // After the listeners, which ref it: the hasher keeps the process alive only while replies are awaited.
    if (this.awaited === 0) worker.unref();
    this.worker = worker;
    return worker;
  }

  private await(): void {
    if (this.awaited++ === 0) this.worker?.ref();
  }

  private awaitedDone(): void {
    if (--this.awaited === 0) this.worker?.unref();
  }

  private onReply(m: WorkerReply): void {
    if (m.op === 'free') {
      this.stageReturned(m.buffer);
      return;
    }
    const pending = this.digests.get(m.id);
    this.digests.delete(m.id);
    pending?.resolve(m.hex);
  }

  private onFailure(err: Error): void {
    this.failed = true;
    this.worker = null;
    for (const pending of this.digests.values()) pending.reject(err);
    this.digests.clear();
    // Staging buffers in the dead worker are lost; let waiting uploads go on with fresh ones.
    this.stages = this.free.length;
    for (const wake of this.waitingForStage.splice(0)) wake();
  }

  private opened(): void {
    this.open++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private closed(): void {
    if (--this.open === 0) this.stopWhenIdle();
  }

  private stopWhenIdle(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.open > 0) return;
      if (this.awaited > 0) this.stopWhenIdle();
      else void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private takeStage(): ArrayBuffer | null {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.stages < MAX_STAGES) {
      this.stages++;
      return new ArrayBuffer(STAGE_BYTES);
    }
    return null;
  }

  /** A stage is free again: the longest waiting upload takes its turn. */
  private stageReturned(buffer: ArrayBuffer): void {
    this.free.push(buffer);
    this.waitingForStage.shift()?.();
  }

  /** Uploads waiting for a stage (tests, metrics). */
  get waiting(): number {
    return this.waitingForStage.length;
  }

  private stageFreed(): Promise<void> {
    this.await();
    return new Promise<void>((resolve) => this.waitingForStage.push(resolve)).finally(() => this.awaitedDone());
  }

  private create(): RunningHash {
    const worker = this.start();
    const id = this.nextId++;
    this.opened();
    let stage: ArrayBuffer | null = null;
    let view: Buffer | null = null;
    let filled = 0;
    let dead = false;
    let idle: NodeJS.Timeout | null = null;

    const send = () => {
      if (idle) clearTimeout(idle);
      idle = null;
      if (!stage || filled === 0) return;
      worker.postMessage({ op: 'update', id, buffer: stage, length: filled }, [stage]);
      stage = null;
      view = null;
      filled = 0;
    };

    const update = (chunk: Buffer): Promise<void> | undefined => {
      if (dead) throw new Error('hash already finished');
      let offset = 0;
      while (offset < chunk.length) {
        if (!view) {
          stage = this.takeStage();
          if (!stage) {
            const rest = chunk.subarray(offset);
            return this.stageFreed().then(() => update(rest));
          }
          view = Buffer.from(stage);
        }
        const copied = chunk.copy(view, filled, offset);
        offset += copied;
        filled += copied;
        if (filled === STAGE_BYTES) send();
      }
      // Bytes stay gathered while more keep coming; once the client pauses, they go and the stage is free.
      if (view && !dead) {
        if (idle) idle.refresh();
        else idle = setTimeout(send, IDLE_SEND_MS).unref();
      }
      return undefined;
    };

    const release = () => {
      if (idle) clearTimeout(idle);
      idle = null;
      const held = stage;
      stage = null;
      // Woken here too: a hash dropped or finished with a partly filled stage returns it without the thread.
      if (held) this.stageReturned(held);
      view = null;
      dead = true;
      this.closed();
    };

    return {
      update,
      settle: send,
      digest: () => {
        if (dead) return Promise.reject(new Error('hash already finished'));
        send();
        release();
        if (this.worker !== worker) return Promise.reject(new Error('hashing thread stopped'));
        this.await();
        return new Promise<string>((resolve, reject) => {
          this.digests.set(id, { resolve, reject });
          worker.postMessage({ op: 'digest', id });
        }).finally(() => this.awaitedDone());
      },
      drop: () => {
        if (dead) return;
        release();
        if (this.worker === worker) worker.postMessage({ op: 'drop', id });
      },
    };
  }
}
