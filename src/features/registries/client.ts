/**
 * The `RegistryClient` port: what proxy caches and replication ask of an
 * upstream OCI/Docker v2 registry. One adapter (`http-client.ts`) serves
 * every registry type; only base URLs and name prefixes differ.
 */
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * The server's outbound address rule (issue 14's `OutboundPolicy` in
 * `src/core/outbound.ts` fits this shape): refuses loopback, link-local and
 * metadata addresses unless allowed, before connecting and at connect time.
 */
export interface AddressPolicy {
  assertAllowed(url: string | URL): Promise<void>;
  lookup?: LookupFunction;
}

/** Why an upstream call failed. `unavailable` kinds allow serving stale cached content. */
export type UpstreamFailure =
  | 'unreachable' // connection refused, DNS, reset
  | 'timeout'
  | 'server' // 5xx
  | 'throttled' // 429
  | 'unauthorized' // 401/403 after authenticating
  | 'refused' // outbound address policy
  | 'invalid' // bad answer: wrong digest, truncated, oversized, bad media type
  | 'status'; // other unexpected status

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** The upstream is down or overloaded (not: it answered "no"). */
  get unavailable(): boolean {
    return (
      this.failure === 'unreachable' ||
      this.failure === 'timeout' ||
      this.failure === 'server' ||
      this.failure === 'throttled'
    );
  }
}

export interface PingResult {
  ok: boolean;
  /** HTTP status of /v2/ after authenticating; 0 when unreachable. */
  status: number;
  message: string;
}

export interface ManifestHead {
  digest: string | null;
  mediaType: string;
  size: number | null;
}

export interface ManifestFetch {
  /** The upstream's Docker-Content-Digest, if it sent one (the caller verifies). */
  digest: string | null;
  mediaType: string;
  bytes: Buffer;
}

export interface BlobFetch {
  /** Content-Length, when the upstream sent one. */
  size: number | null;
  body: Readable;
}

export interface UploadProgress {
  /** Where the upload continues (absolute URL). */
  location: string;
  /** Bytes the upstream has confirmed. */
  offset: number;
}

export interface PushBlobOptions {
  chunkSize?: number;
  retries?: number;
  /** An upload session of an earlier attempt to continue (from its confirmed offset); a fresh one when it is gone. */
  resumeFrom?: string;
  /** Told the session and its confirmed offset when it starts and after each chunk (a checkpoint to persist). */
  onProgress?: (progress: UploadProgress) => Promise<void> | void;
}

export interface RegistryClient {
  ping(): Promise<PingResult>;
  catalog(page?: { n?: number; last?: string }): Promise<string[]>;
  tags(repository: string): Promise<string[]>;
  /** Null on 404. */
  headManifest(repository: string, reference: string): Promise<ManifestHead | null>;
  /** Null on 404; `invalid` when larger than `maxBytes`. */
  getManifest(repository: string, reference: string, maxBytes?: number): Promise<ManifestFetch | null>;
  /** Null on 404. */
  headBlob(repository: string, digest: string): Promise<number | null>;
  /** Null on 404. The stream errors on a broken or truncated transfer. */
  getBlob(repository: string, digest: string): Promise<BlobFetch | null>;

  // Replication (push side)
  /** Links `digest` from `from` into `repository`; false when the upstream started an upload instead. */
  mountBlob(repository: string, digest: string, from: string): Promise<boolean>;
  /** Starts an upload session. */
  startUpload(repository: string): Promise<UploadProgress>;
  /** The confirmed offset of an upload session (to resume after a failure). */
  uploadStatus(location: string): Promise<UploadProgress>;
  /**
   * Pushes a blob: monolithic when `chunkSize` is absent, else in chunks,
   * resuming from the upload's confirmed offset when a chunk fails.
   * `open(offset)` gives the blob's bytes from `offset`.
   */
  pushBlob(
    repository: string,
    digest: string,
    size: number,
    open: (offset: number) => Promise<Readable> | Readable,
    options?: PushBlobOptions,
  ): Promise<void>;
  /** Deletes a manifest by digest (replicated deletions); false when absent. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  /** Returns the digest the upstream assigned. */
  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string>;
}
