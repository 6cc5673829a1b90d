/**
 * The registry side of online GC (see gc-collector.ts). A link (upload,
 * mount) waits while its blob is tombstoned. A manifest push first writes an
 * intent naming every digest it references (and its own), so no run can take
 * them before the manifest commits, then waits for tombstones and checks the
 * blobs are still recorded: a run either sees the intent and keeps them, or
 * took them already and the push is told the blob is unknown (the client
 * uploads again). The intent is dropped once the push is told as an event.
 */
import { RegistryError } from '../../core/errors.ts';
import type { ManifestPutCheck, RegistryEvent, RegistryGuard } from '../../core/hooks.ts';
import type { GcStore } from './ports.ts';

const POLL_MS = 20;
const MAX_WAIT_MS = 120_000;

export async function waitUntilSettled(store: GcStore, digests: string[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    if ((await store.isTombstoned(digests)).length === 0) return;
    if (Date.now() - started > MAX_WAIT_MS) {
      throw new RegistryError('TOOMANYREQUESTS', 'garbage collection is deleting this blob; retry shortly', {
        digests,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export class GcPushGuard {
  /** Intent ids by `repository@digest` of pushes between the guard and their event. */
  private readonly intents = new Map<string, number[]>();

  constructor(
    private readonly store: GcStore,
    private readonly activity?: PushActivity,
  ) {}

  guard(): RegistryGuard {
    return {
      name: 'gc',
      beforeManifestPut: async (check: ManifestPutCheck) => {
        this.activity?.seen();
        const { repository, blobs, manifests, digest } = check;
        const key = `${repository}@${digest}`;
        const ids = await this.store.addIntent([...blobs, ...manifests, digest]);
        this.intents.set(key, [...(this.intents.get(key) ?? []), ...ids]);
        try {
          await waitUntilSettled(this.store, [...blobs, digest]);
          const recorded = new Set(await this.store.blobsRecorded(blobs));
          const missing = blobs.filter((b) => !recorded.has(b));
          if (missing.length > 0) {
            throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'blob was garbage collected; upload it again', {
              missing,
            });
          }
        } catch (err) {
          await this.release(key);
          throw err;
        }
      },
    };
  }

  private async release(key: string): Promise<void> {
    const ids = this.intents.get(key);
    this.intents.delete(key);
    if (ids) await this.store.dropIntent(ids);
  }

  listener = (e: RegistryEvent): Promise<void> | undefined =>
    e.type === 'manifest.pushed' ? this.release(`${e.repository}@${e.digest}`) : undefined;
}

/**
 * Whether pushes are going on: a blob upload or manifest push was seen in the
 * last `windowMs`. GC paces itself while they are (gc-collector.ts): on a
 * machine short of CPU, every millisecond a run spends (its SQL in this
 * process, its deletions in the storage server) is taken from the pushes.
 */
export class PushActivity {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs = 1_000) {}

  seen(): void {
    this.last = performance.now();
  }

  busy(): boolean {
    return performance.now() - this.last < this.windowMs;
  }
}
