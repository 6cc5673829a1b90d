/**
 * `berth import`: loads an OCI image layout archive (from `berth export`, or
 * `skopeo copy … oci-archive:FILE:repository:tag`) into a registry's storage
 * and metadata. Every blob is hashed as it streams from the archive and
 * refused unless it matches its name; blobs the registry already has are
 * verified but not written again. Then each image named in index.json is
 * tagged as a push would: blobs linked to the repository, child manifests
 * first, the same checks as `PUT /v2/<name>/manifests/<tag>`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { blobKey, parseDigest } from '../../core/digest.ts';
import type { Caller } from '../../core/hooks.ts';
import type { Registry } from '../../core/registry.ts';
import { parseRef, REF_NAME } from './graph.ts';
import { readTar, type TarEntry } from './tar.ts';

export interface ImportOptions {
  /** Put every repository under this project: `library/busybox` → `P/busybox`. */
  project?: string;
  /** The repository for entries named by a bare tag (`skopeo … oci-archive:FILE:v1`). */
  repository?: string;
  progress?: (done: number, total: number, current: string) => void;
  /**
   * Called once per repository the bundle will fill, before any byte is
   * written: a running server creates the project and checks the caller here.
   */
  beforeTag?: (repository: string) => Promise<void>;
  /** Who the tags are pushed as (tag history, webhooks, audit); the CLI on a stopped folder: nobody. */
  caller?: Caller;
}

export interface ImportReport {
  images: { repository: string; reference: string; digest: string }[];
  blobsWritten: number;
  blobsPresent: number;
  bytesWritten: number;
}

interface IndexJson {
  manifests?: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

export class BundleError extends Error {}

/** The repository an entry goes to, after --project. */
export function targetRepository(repository: string, project?: string): string {
  if (!project) return repository;
  const slash = repository.indexOf('/');
  return `${project}/${slash === -1 ? repository : repository.slice(slash + 1)}`;
}

async function* hashing(entry: TarEntry, hash: ReturnType<typeof createHash>, onBytes: (n: number) => void) {
  for await (const chunk of entry.open()) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

async function storeBlob(registry: Registry, entry: TarEntry, digest: string, onBytes: (n: number) => void) {
  const { algorithm } = parseDigest(digest);
  const hash = createHash(algorithm);
  const id = `import-${randomUUID()}`;
  let state = await registry.storage.uploadStart(id);
  try {
    const appended = await registry.storage.uploadAppend(id, state, 0, hashing(entry, hash, onBytes));
    state = appended.state;
    const actual = `${algorithm}:${hash.digest('hex')}`;
    if (actual !== digest || appended.written !== entry.size)
      throw new BundleError(`blob ${digest} in the bundle is damaged: its bytes hash to ${actual}`);
    await registry.storage.uploadCommit(id, state, entry.size, blobKey(digest));
  } catch (err) {
    await registry.storage.uploadAbort(id, state).catch(() => {});
    throw err;
  }
  await registry.metadata.recordBlob(digest, entry.size);
}

async function verifyOnly(entry: TarEntry, digest: string, onBytes: (n: number) => void): Promise<void> {
  const { algorithm } = parseDigest(digest);
  const hash = createHash(algorithm);
  for await (const _ of hashing(entry, hash, onBytes));
  const actual = `${algorithm}:${hash.digest('hex')}`;
  if (actual !== digest) throw new BundleError(`blob ${digest} in the bundle is damaged: its bytes hash to ${actual}`);
}

export async function importBundle(
  registry: Registry,
  archive: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report: ImportReport = { images: [], blobsWritten: 0, blobsPresent: 0, bytesWritten: 0 };
  // First pass: the layout, the index and the total size, so a wrong file or a
  // refused repository is known before anything is written.
  let index: IndexJson | null = null;
  let layout = false;
  let total = 0;
  for await (const entry of readTar(archive)) {
    if (entry.type !== 'file') continue;
    total += entry.size;
    if (entry.name === 'oci-layout') layout = (await readJson(entry)).imageLayoutVersion === '1.0.0';
    else if (entry.name === 'index.json') index = (await readJson(entry)) as IndexJson;
  }
  if (!layout) throw new BundleError('not an OCI image layout archive: no oci-layout file with version 1.0.0');
  if (!index) throw new BundleError('not an OCI image layout archive: no index.json');
  const targets = (index.manifests ?? []).map((entry) => ({ entry, ...targetOf(entry, options) }));
  for (const repository of new Set(targets.map((t) => t.repository))) await options.beforeTag?.(repository);

  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    options.progress?.(done, total, '');
  };
  for await (const entry of readTar(archive)) {
    if (entry.type !== 'file') continue;
    const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(entry.name);
    if (!m) continue;
    const digest = `${m[1]}:${m[2]}`;
    options.progress?.(done, total, digest);
    const known = (await registry.metadata.blobSize(digest)) !== null && (await registry.storage.stat(blobKey(digest)));
    if (known) {
      await verifyOnly(entry, digest, onBytes);
      report.blobsPresent++;
    } else {
      await storeBlob(registry, entry, digest, onBytes);
      report.blobsWritten++;
      report.bytesWritten += entry.size;
    }
  }

  for (const { entry, repository, reference } of targets) {
    await tagImage(registry, repository, reference, entry.digest, entry.mediaType, options.caller);
    report.images.push({ repository, reference, digest: entry.digest });
  }
  return report;
}

async function readJson(entry: TarEntry): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of entry.open()) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new BundleError(`${entry.name} in the bundle is not valid JSON`);
  }
}

/** Where an index.json entry goes: its ref.name (or a bare tag with --repository), after --project. */
function targetOf(entry: NonNullable<IndexJson['manifests']>[number], options: ImportOptions) {
  const name = entry.annotations?.[REF_NAME];
  let { repository, reference } = name ? parseRef(name) : { repository: '', reference: null as string | null };
  if (name && !name.includes('/') && !name.includes('@') && !name.includes(':')) {
    // A bare tag, as skopeo writes for `oci-archive:FILE:TAG`.
    repository = options.repository ?? '';
    reference = name;
  }
  if (!repository) {
    throw new BundleError(
      `index.json entry ${entry.digest} (${name ?? 'no ref.name'}) names no repository: pass --repository`,
    );
  }
  return { repository: targetRepository(repository, options.project), reference: reference ?? entry.digest };
}

/** Links what the manifest needs into the repository (children first) and puts it under `reference`. */
async function tagImage(
  registry: Registry,
  repository: string,
  reference: string,
  digest: string,
  mediaType: string,
  caller?: Caller,
) {
  const bytes = await registry.storage.get(blobKey(digest));
  if (!bytes)
    throw new BundleError(
      `manifest ${digest} is neither in the bundle nor in this registry (import the previous bundle first)`,
    );
  const doc = JSON.parse(bytes.toString('utf8')) as {
    mediaType?: string;
    manifests?: { digest: string; mediaType: string }[];
    config?: { digest: string };
    layers?: { digest: string; urls?: string[] }[];
  };
  await registry.metadata.ensureRepository(repository);
  for (const child of doc.manifests ?? [])
    await tagImage(registry, repository, child.digest, child.digest, child.mediaType, caller);
  const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []).filter((l) => !l.urls?.length)];
  for (const blob of blobs) {
    if ((await registry.metadata.blobSize(blob.digest)) === null)
      throw new BundleError(
        `blob ${blob.digest} of ${repository}@${digest} is neither in the bundle nor in this registry (import the previous bundle first)`,
      );
    await registry.metadata.linkBlob(repository, blob.digest);
  }
  await registry.putManifest(repository, reference, bytes, doc.mediaType ?? mediaType, caller);
}
