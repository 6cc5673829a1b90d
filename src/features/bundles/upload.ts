/**
 * Import into a running Berth: the archive arrives as a request body, which
 * is a stream read once, but `readTar` reads entries by position (index.json
 * may come after the blobs). So the body is spooled to a private scratch file
 * first, imported like `berth import`, and the file is removed whatever happens.
 */

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Registry } from '../../core/registry.ts';
import { BundleError, type ImportOptions, type ImportReport, importBundle } from './import.ts';

export interface UploadImportOptions extends ImportOptions {
  /** Refuses bodies longer than this many bytes (the spool must fit the scratch disk). */
  maxBytes: number;
  /** Where the spool goes; the system's temporary folder by default. */
  scratchDir?: string;
  /** Called before anything is written, for each repository the bundle will fill (project creation, permission). */
  beforeTag?: ImportOptions['beforeTag'];
}

export async function importUploadedBundle(
  registry: Registry,
  body: Readable,
  options: UploadImportOptions,
): Promise<ImportReport> {
  const dir = await mkdtemp(join(options.scratchDir ?? tmpdir(), 'berth-import-'));
  const file = join(dir, 'bundle.tar');
  try {
    let received = 0;
    const limit = options.maxBytes;
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > limit) throw new BundleError(`the bundle is larger than the import limit (${limit} bytes)`);
          yield chunk;
        }
      },
      createWriteStream(file, { mode: 0o600 }),
    );
    if (received === 0) throw new BundleError('the request body is empty: send the bundle (an OCI image layout tar)');
    return await importBundle(registry, file, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
