/**
 * Online garbage collection: mark in SQL, sweep in storage, while pushes go on.
 *
 * A blob is garbage when no manifest in any repository names it, it is older
 * than the grace window (`time_window` hours before the run was created) and
 * no repository linked it since. Blobs are forgotten in three steps so that a
 * push or mount racing the run never loses bytes:
 *   1. tombstones are written and committed (the blobs about to go);
 *   2. one transaction deletes the blob rows still unreferenced and with no
 *      fresh link (re-checked now: the sweep-time check), and drops the
 *      tombstones of the others;
 *   3. the bytes are deleted, then the tombstones.
 * Whoever links a blob (upload completion, mount, manifest push) first writes
 * the link, then waits while the digest is tombstoned, then reads the blob
 * row: either step 2 saw the link and kept the blob, or the row is gone for
 * good and the linker stores the bytes again. Tombstones survive a crash, so a
 * resumed run finishes step 3 first.
 *
 * Untagged manifests (when asked) are deleted only if no tag, no recent tag
 * history entry, no index and no reachable subject names them, re-checked in
 * the DELETE itself, so a tag never points to a missing manifest.
 */
import { blobKey } from '../../core/digest.ts';
import type { MetadataStore, StorageDriver } from '../../core/ports.ts';
import type { BlobRow, GcCounts, GcRun, GcStore } from './ports.ts';

export type GcPhase = 'uploads' | 'manifests' | 'blobs';

export interface CollectOptions {
  store: GcStore;
  metadata: MetadataStore;
  storage: StorageDriver;
  /** Manifests named by this many latest history entries of each tag are kept (rollback targets). */
  keepHistory: number;
  /** Upload sessions untouched this long are purged with their bytes. */
  uploadMaxAgeHours: number;
  progress?: (phase: GcPhase, done: number, total: number) => void;
  /** True while pushes go on: the run then paces itself (see PACE). */
  busy?: () => boolean;
  /** Called between pages: extends the job lease; returns false when the run was stopped. */
  heartbeat?: () => Promise<boolean>;
  now?: () => Date;
}

/**
 * Blobs marked per page. Small on purpose: each page is a few synchronous
 * SQLite statements (and a transaction that queues every other query of the
 * process), so a page of 1,000 held pushes for tens of milliseconds at a time
 * and pushes fell from 30/s to 5/s during a run; pages of 200 with a turn of
 * the event loop between steps keep them flowing (bench/FINDINGS.md).
 */
const PAGE = 200;
/** Bytes are deleted in batches of up to this many keys (S3's DeleteObjects takes 1,000). */
const SWEEP_BATCH = 1000;
const HOUR = 3_600_000;
/**
 * While pushes go on, a run paces itself: it deletes in batches of a page,
 * one at a time, and rests after each batch as long as the batch took (and
 * after each page as long as the page took), so it takes about half of what
 * the storage server and this process get. Deletions are what pushes
 * compete with: on Ceph RGW a DeleteObjects costs the server ~1.4 CPU-s per
 * 1,000 keys against ~0.04 CPU-s for a whole push, so a run at full speed
 * (4 batches of 1,000 at once) took RGW's share of a loaded machine and
 * pushes fell from 3/s to 1/s. The S3 client's sockets (256) were never the
 * limit, and the run's own CPU here is small (bench/RESULTS-gc.md).
 */
const MAX_REST_MS = 5_000;
/** A page's own work is SQL here, small beside a deletion: its rest is short. */
const MAX_PAGE_REST_MS = 250;

export class GcStopped extends Error {}

const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));
const rest = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function collect(run: GcRun, o: CollectOptions): Promise<GcCounts> {
  const { store, storage } = o;
  const p = run.parameters;
  const now = o.now ?? (() => new Date());
  const cutoff = new Date(Date.parse(run.createdAt) - p.timeWindowHours * HOUR).toISOString();
  const counts: GcCounts = { blobsDeleted: 0, bytesFreed: 0, manifestsDeleted: 0, uploadsPurged: 0 };
  let log = '';
  const line = (text: string) => {
    log += `${now().toISOString()} ${text}\n`;
  };
  const flush = async (more: Partial<GcCounts> = {}) => {
    // SQLite answers synchronously: without a turn of the event loop a run would starve every request.
    await yieldToRequests();
    await store.appendLog(run.id, log);
    log = '';
    await store.addCounts(run.id, more);
    if (o.heartbeat && !(await o.heartbeat())) throw new GcStopped('stopped');
  };
  const deleteBytes = async (blobs: BlobRow[]) => {
    const keys = blobs.map((b) => blobKey(b.digest));
    if (storage.deleteMany) await storage.deleteMany(keys);
    else for (const key of keys) await storage.delete(key);
  };

  line(
    `gc run ${run.id}: dry_run=${p.dryRun} delete_untagged=${p.deleteUntagged} time_window=${p.timeWindowHours}h ` +
      `workers=${p.workers}; keeping blobs created or linked since ${cutoff}`,
  );

  // A crashed run's tombstones: finish deleting the bytes of blobs already forgotten.
  const leftovers = await store.leftoverTombstones();
  if (leftovers.length > 0 && !p.dryRun) {
    const forgotten = leftovers.filter((t) => t.deleted);
    await deleteBytes(forgotten);
    await store.clearTombstones(leftovers.map((t) => t.digest));
    line(`resumed: finished ${forgotten.length} blob deletions of an interrupted run`);
  }

  // Upload sessions left behind (S3: their multipart uploads are aborted).
  const uploadCutoff = new Date(now().getTime() - o.uploadMaxAgeHours * HOUR).toISOString();
  const stale = (await o.metadata.listUploads()).filter((u) => u.updatedAt < uploadCutoff);
  for (const [i, upload] of stale.entries()) {
    line(`${p.dryRun ? 'would purge' : 'purge'} upload ${upload.id} of ${upload.repository} (${upload.size} bytes)`);
    if (!p.dryRun) {
      await storage.uploadAbort(upload.id, upload.state).catch(() => {});
      await o.metadata.deleteUpload(upload.id);
      counts.uploadsPurged++;
    }
    o.progress?.('uploads', i + 1, stale.length);
  }
  await flush({ uploadsPurged: counts.uploadsPurged });

  if (p.deleteUntagged) {
    const candidates = await unreachableManifests(store, o.keepHistory, cutoff);
    let done = 0;
    if (p.dryRun) {
      for (const c of candidates) line(`eligible manifest ${c.repository}@${c.digest}`);
    } else {
      // Parents before children: an index's children become deletable once the index is gone.
      let pending = candidates;
      for (let pass = 0; pass < 8 && pending.length > 0; pass++) {
        const left: typeof pending = [];
        for (const c of pending) {
          if (await store.deleteManifestIfUnreachable(c.repository, c.digest, cutoff)) {
            counts.manifestsDeleted++;
            line(`deleted untagged manifest ${c.repository}@${c.digest}`);
          } else left.push(c);
          o.progress?.('manifests', ++done, candidates.length);
          if (done % 100 === 0) await yieldToRequests();
        }
        if (left.length === pending.length) break;
        pending = left;
      }
    }
    await flush({ manifestsDeleted: counts.manifestsDeleted });
  }

  // Blobs: one page marked, tombstoned, forgotten and deleted at a time; deletions overlap up to `workers`.
  const total = await store.countBlobCandidates(cutoff);
  line(`${total.count} blobs (${total.bytes} bytes) eligible for deletion`);
  let after = '';
  let done = 0;
  const inFlight = new Set<Promise<void>>();
  let sweepFailure: unknown = null;
  // Forgotten blobs waiting for their bytes to go (their tombstones keep linkers waiting meanwhile).
  let batch: BlobRow[] = [];
  const sweep = async (blobs: BlobRow[]) => {
    if (blobs.length === 0) return;
    const task = (async () => {
      const started = performance.now();
      await deleteBytes(blobs);
      await store.clearTombstones(blobs.map((b) => b.digest));
      // Tombstones are gone first: a linker waiting on these digests does not wait out the rest.
      if (o.busy?.()) await rest(Math.min(MAX_REST_MS, performance.now() - started));
    })();
    inFlight.add(task);
    task
      .catch((err) => {
        sweepFailure ??= err;
      })
      .finally(() => inFlight.delete(task));
    const width = o.busy?.() ? 1 : Math.max(1, p.workers);
    while (inFlight.size >= width) await Promise.race(inFlight);
  };
  for (;;) {
    const pageStarted = performance.now();
    const page = await store.blobCandidates(cutoff, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1].digest;
    if (p.dryRun) {
      for (const b of page) {
        line(`eligible blob ${b.digest} (${b.size} bytes)`);
        counts.blobsDeleted++;
        counts.bytesFreed += b.size;
      }
      await yieldToRequests();
    } else {
      await yieldToRequests();
      await store.tombstone(run.id, page);
      await yieldToRequests();
      const gone = await store.forgetUnreferenced(
        page.map((b) => b.digest),
        cutoff,
      );
      batch.push(...gone);
      if (batch.length >= (o.busy?.() ? PAGE : SWEEP_BATCH)) {
        await sweep(batch);
        batch = [];
      }
      const bytes = gone.reduce((s, b) => s + b.size, 0);
      counts.blobsDeleted += gone.length;
      counts.bytesFreed += bytes;
      // A real run logs pages (a dry run names every blob): a line per blob made 100,000-blob runs rewrite megabytes.
      line(`deleted ${gone.length} blobs (${bytes} bytes), ${gone[0]?.digest ?? '-'} … ${gone.at(-1)?.digest ?? '-'}`);
      if (gone.length < page.length) line(`kept ${page.length - gone.length} blobs linked or named meanwhile`);
      await flush({ blobsDeleted: gone.length, bytesFreed: bytes });
    }
    done += page.length;
    o.progress?.('blobs', done, Math.max(total.count, done));
    if (!p.dryRun && o.busy?.()) await rest(Math.min(MAX_PAGE_REST_MS, performance.now() - pageStarted));
  }
  await sweep(batch);
  await Promise.allSettled(inFlight);
  if (p.dryRun) await store.addCounts(run.id, { blobsDeleted: counts.blobsDeleted, bytesFreed: counts.bytesFreed });
  if (sweepFailure) throw sweepFailure; // tombstones stay: the next run finishes these deletions
  line(
    `${p.dryRun ? 'would free' : 'freed'} ${counts.blobsDeleted} blobs, ${counts.bytesFreed} bytes; ` +
      `${counts.manifestsDeleted} manifests deleted, ${counts.uploadsPurged} uploads purged`,
  );
  await store.appendLog(run.id, log);
  return counts;
}

/** Manifests no tag, recent history entry, index or reachable subject names, older than `cutoff`. */
async function unreachableManifests(
  store: GcStore,
  keepHistory: number,
  cutoff: string,
): Promise<{ repository: string; digest: string }[]> {
  const key = (repository: string, digest: string) => `${repository}@${digest}`;
  const nodes = await store.manifestNodes();
  const next = new Map<string, string[]>();
  const add = (from: string, to: string) => {
    const list = next.get(from);
    if (list) list.push(to);
    else next.set(from, [to]);
  };
  for (const [repository, parent, child] of await store.manifestEdges())
    add(key(repository, parent), key(repository, child));
  for (const m of nodes) if (m.subject) add(key(m.repository, m.subject), key(m.repository, m.digest));
  const reached = new Set<string>();
  const stack = [...(await store.tagged()), ...(await store.historyKept(keepHistory))].map(([r, d]) => key(r, d));
  while (stack.length > 0) {
    const k = stack.pop() as string;
    if (reached.has(k)) continue;
    reached.add(k);
    for (const n of next.get(k) ?? []) stack.push(n);
  }
  return nodes
    .filter((m) => !reached.has(key(m.repository, m.digest)) && m.createdAt < cutoff)
    .map((m) => ({ repository: m.repository, digest: m.digest }));
}
