/**
 * The seam for content that lives elsewhere: proxy-cache and group projects
 * answer pulls from an upstream registry or from other projects. The /v2
 * read handlers ask `registry.remote.covers(name)` first (a set lookup, so a
 * hosted repository pays nothing more); for a covered repository the remote
 * source resolves manifests and blobs (fetching and storing on a miss), and
 * pushes are refused by its access rule.
 */
import type { Readable } from 'node:stream';
import type { Caller } from './hooks.ts';
import type { ManifestRecord } from './ports.ts';

export interface RemoteBlob {
  size: number;
  /**
   * Present when the blob is not stored yet: its bytes as they arrive from
   * the source (verified before they are stored; the stream errors, cutting
   * the client off, when they turn out wrong). Absent: serve it from storage.
   */
  stream?: Readable;
}

export interface RemoteContent {
  /** True when pulls of `repository` go through this source. */
  covers(repository: string): boolean;
  /**
   * The manifest record to serve for a pull; its bytes are in storage by the
   * time it resolves. Throws MANIFEST_UNKNOWN or a RegistryError naming the
   * source's failure.
   */
  manifest(repository: string, reference: string, caller: Caller): Promise<ManifestRecord>;
  /** A blob to serve for a pull (HEAD: `head`, only its size is needed). */
  blob(repository: string, digest: string, caller: Caller, head: boolean): Promise<RemoteBlob>;
}
