/**
 * `berth export`: images of a registry (a data folder read like `berth fsck`
 * reads it, also while Berth serves it) into an OCI image layout archive:
 * `oci-layout`, `blobs/sha256/<hex>` once per blob, each hashed as it is
 * written and checked against its digest, and `index.json` naming every image
 * `repository:tag` in org.opencontainers.image.ref.name (what `skopeo copy
 * oci-archive:FILE:repository:tag` and umoci address).
 *
 * Incremental (`since`): blobs already in a previous bundle are left out, so
 * an edge site that imported it receives only what changed; index.json then
 * names the previous index's digest (io.berth.bundle.since) and only
 * `berth import` onto that site can complete it.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { blobKey, parseDigest } from '../../core/digest.ts';
import { OCI_INDEX } from '../../core/mediatypes.ts';
import type { Registry } from '../../core/registry.ts';
import { collectContent, REF_NAME, resolveSelection, type Selection } from './graph.ts';
import { readTar, tarEnd, tarHeader, tarPadding } from './tar.ts';

export const SINCE_ANNOTATION = 'io.berth.bundle.since';

export interface ExportOptions extends Selection {
  output: string;
  /** A previous bundle, or only its index.json: the blobs it holds are not written again. */
  since?: string;
  /** Bytes written so far of the total, and the object being written. */
  progress?: (done: number, total: number, current: string) => void;
}

export interface ExportReport {
  images: number;
  blobs: number;
  bytes: number;
  /** Blobs left out because the previous bundle has them. */
  skipped: number;
}

/** The blob digests in a bundle archive and its index.json's digest. */
export async function bundleContents(path: string): Promise<{ blobs: Set<string>; indexDigest: string | null }> {
  const blobs = new Set<string>();
  let indexDigest: string | null = null;
  for await (const entry of readTar(path)) {
    const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(entry.name);
    if (m) blobs.add(`${m[1]}:${m[2]}`);
    if (entry.name === 'index.json') {
      const hash = createHash('sha256');
      for await (const chunk of entry.open()) hash.update(chunk as Buffer);
      indexDigest = `sha256:${hash.digest('hex')}`;
    }
  }
  return { blobs, indexDigest };
}

/**
 * What a previous bundle holds, from the bundle itself or from only its
 * index.json (what an edge site can send back): then the blobs are those the
 * index's images reach in this registry.
 */
export async function previousContents(
  registry: Registry,
  path: string,
): Promise<{ blobs: Set<string>; indexDigest: string | null }> {
  const head = Buffer.alloc(1);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 1, 0);
  } finally {
    await fh.close();
  }
  if (head.toString() !== '{') return bundleContents(path);
  const bytes = await readFile(path);
  const index = JSON.parse(bytes.toString('utf8')) as {
    manifests?: { digest: string; mediaType: string; size: number }[];
  };
  const roots = [];
  for (const m of index.manifests ?? [])
    if ((await registry.metadata.blobSize(m.digest)) !== null)
      roots.push({ repository: '', tag: null, digest: m.digest, mediaType: m.mediaType, size: m.size });
  const { objects } = await collectContent(registry, roots);
  return { blobs: new Set(objects.keys()), indexDigest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

export async function exportBundle(registry: Registry, options: ExportOptions): Promise<ExportReport> {
  const roots = await resolveSelection(registry, options);
  const { objects } = await collectContent(registry, roots);
  const previous = options.since ? await previousContents(registry, options.since) : null;
  const toWrite = [...objects].filter(([digest]) => !previous?.blobs.has(digest));
  const total = toWrite.reduce((n, [, size]) => n + size, 0);

  const partial = `${options.output}.part`;
  const out = createWriteStream(partial);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  let done = 0;
  try {
    await write(tarHeader('oci-layout', 30));
    await write(Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await write(tarPadding(30));
    for (const dir of ['blobs/', 'blobs/sha256/']) await write(tarHeader(dir, 0));
    for (const [digest, size] of toWrite) {
      const { algorithm, hex } = parseDigest(digest);
      options.progress?.(done, total, digest);
      await write(tarHeader(`blobs/${algorithm}/${hex}`, size));
      const hash = createHash(algorithm);
      let length = 0;
      for await (const chunk of await registry.storage.reader(blobKey(digest))) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
        if (length > size) break;
        await write(chunk as Buffer);
        done += (chunk as Buffer).length;
        options.progress?.(done, total, digest);
      }
      const actual = `${algorithm}:${hash.digest('hex')}`;
      if (length !== size || actual !== digest)
        throw new Error(`stored blob ${digest} is damaged (${length} bytes hashing to ${actual}); run berth fsck`);
      await write(tarPadding(size));
    }
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: roots.map((r) => ({
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        annotations: { [REF_NAME]: r.tag === null ? `${r.repository}@${r.digest}` : `${r.repository}:${r.tag}` },
      })),
      ...(previous?.indexDigest ? { annotations: { [SINCE_ANNOTATION]: previous.indexDigest } } : {}),
    };
    const indexBytes = Buffer.from(JSON.stringify(index, null, 2));
    await write(tarHeader('index.json', indexBytes.length));
    await write(indexBytes);
    await write(tarPadding(indexBytes.length));
    await write(tarEnd());
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    await rename(partial, options.output);
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  return { images: roots.length, blobs: toWrite.length, bytes: total, skipped: objects.size - toWrite.length };
}
