/**
 * The registry side of online GC (see gc-collector.ts): a link waits while
 * its blob is tombstoned, and a manifest push renews the links of the blobs
 * it names, so a run either sees them fresh and keeps them, or has taken them
 * already and the push is told the blob is unknown (the client uploads again).
 */
import { RegistryError } from '../../core/errors.ts';
import type { ManifestPutCheck, RegistryGuard } from '../../core/hooks.ts';
import type { MetadataStore } from '../../core/ports.ts';
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

export function gcGuard(store: GcStore, metadata: MetadataStore): RegistryGuard {
  return {
    name: 'gc',
    async beforeManifestPut(check: ManifestPutCheck) {
      const { repository, blobs, digest } = check;
      await store.touchLinks(repository, blobs);
      // The manifest's own bytes may be a blob a run is collecting (same manifest pushed again).
      if ((await metadata.blobSize(digest)) !== null) await metadata.linkBlob(repository, digest);
      await waitUntilSettled(store, [...blobs, digest]);
      const recorded = new Set(await store.blobsRecorded(blobs));
      const missing = blobs.filter((b) => !recorded.has(b));
      if (missing.length > 0) {
        for (const b of missing) await metadata.unlinkBlob(repository, b);
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'blob was garbage collected; upload it again', {
          missing,
        });
      }
    },
  };
}
