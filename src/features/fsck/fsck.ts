/**
 * Consistency check of storage against metadata: every blob's bytes hash to
 * its digest, every recorded blob is stored, every manifest's references are
 * in its repository, every upload has its bytes. With `repair`, corrupt blobs
 * are moved to quarantine/ and forgotten, so pulls fail cleanly instead of
 * serving bad bytes; stale uploads are dropped.
 */
import { blobKey, type DigestAlgorithm, newHash, parseDigest } from '../../core/digest.ts';
import { parseManifest } from '../../core/manifest.ts';
import type { MetadataStore, StorageDriver } from '../../core/ports.ts';

export type ProblemKind =
  | 'blob-missing'
  | 'blob-size-mismatch'
  | 'blob-corrupt'
  | 'manifest-unreadable'
  | 'manifest-reference-missing';

export type NoteKind = 'unrecorded-blob' | 'unrecorded-upload-data' | 'upload-missing-data';

export interface Finding<K extends string> {
  kind: K;
  subject: string;
  message: string;
  repaired?: boolean;
}

export interface FsckReport {
  problems: Finding<ProblemKind>[];
  notes: Finding<NoteKind>[];
  blobsChecked: number;
  bytesChecked: number;
  manifestsChecked: number;
}

/** Called with (done, total) as objects are checked; total may grow. */
export type FsckProgress = (done: number, total: number, current: string) => void;

export interface FsckOptions {
  repair?: boolean;
  progress?: FsckProgress;
}

function digestFromKey(key: string): string | null {
  const m = /^blobs\/([a-z0-9]+)\/[0-9a-f]{2}\/([0-9a-f]+)$/.exec(key);
  if (!m) return null;
  try {
    parseDigest(`${m[1]}:${m[2]}`);
    return `${m[1]}:${m[2]}`;
  } catch {
    return null;
  }
}

async function hashObject(storage: StorageDriver, key: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = newHash(algorithm);
  for await (const chunk of await storage.reader(key)) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest('hex')}`;
}

export async function fsck(
  storage: StorageDriver,
  metadata: MetadataStore,
  options: FsckOptions = {},
): Promise<FsckReport> {
  const report: FsckReport = { problems: [], notes: [], blobsChecked: 0, bytesChecked: 0, manifestsChecked: 0 };
  const problem = (kind: ProblemKind, subject: string, message: string) => {
    const finding: Finding<ProblemKind> = { kind, subject, message };
    report.problems.push(finding);
    return finding;
  };

  const stored = new Map<string, number>();
  for await (const obj of storage.list('blobs/')) stored.set(obj.key, obj.size);
  const recorded: { digest: string; size: number }[] = [];
  for await (const blob of metadata.allBlobs()) recorded.push(blob);
  const total = stored.size + recorded.length;
  let done = 0;
  const tick = (current: string) => options.progress?.(++done, total, current);

  // 1. Every recorded blob is stored whole and hashes to its digest.
  const recordedKeys = new Set<string>();
  for (const { digest, size } of recorded) {
    const key = blobKey(digest);
    recordedKeys.add(key);
    tick(digest);
    const actualSize = stored.get(key);
    if (actualSize === undefined) {
      const f = problem('blob-missing', digest, 'recorded in metadata but absent from storage');
      if (options.repair) {
        await metadata.forgetBlob(digest);
        f.repaired = true;
      }
      continue;
    }
    const actual = await hashObject(storage, key, parseDigest(digest).algorithm);
    report.blobsChecked++;
    report.bytesChecked += actualSize;
    if (actualSize !== size || actual !== digest) {
      const f =
        actualSize !== size
          ? problem('blob-size-mismatch', digest, `stored ${actualSize} bytes, recorded ${size}`)
          : problem('blob-corrupt', digest, `content hashes to ${actual}`);
      if (options.repair) {
        await storage.move(key, `quarantine/${key.slice('blobs/'.length)}`);
        await metadata.forgetBlob(digest);
        f.repaired = true;
      }
    }
  }

  // 2. Stored objects nobody recorded (a crash between rename and commit): harmless, GC reclaims them.
  for (const [key, size] of stored) {
    if (recordedKeys.has(key)) continue;
    tick(key);
    const digest = digestFromKey(key);
    const ok = digest !== null && (await hashObject(storage, key, parseDigest(digest).algorithm)) === digest;
    report.blobsChecked++;
    report.bytesChecked += size;
    report.notes.push({
      kind: 'unrecorded-blob',
      subject: key,
      message: ok
        ? 'verified, but not recorded in metadata'
        : 'not recorded in metadata, and its content does not match its name',
    });
  }

  // 3. Every manifest is readable and its references are in its repository.
  for await (const { repository, manifest } of metadata.allManifests()) {
    report.manifestsChecked++;
    const subject = `${repository}@${manifest.digest}`;
    const bytes = await storage.get(blobKey(manifest.digest));
    if (!bytes) {
      problem('manifest-unreadable', subject, 'manifest bytes are missing from storage');
      continue;
    }
    let parsed: ReturnType<typeof parseManifest>;
    try {
      parsed = parseManifest(bytes, manifest.mediaType);
    } catch (err) {
      problem('manifest-unreadable', subject, (err as Error).message);
      continue;
    }
    const missing = [
      ...(await metadata.missingBlobs(repository, parsed.blobs)),
      ...(await metadata.missingManifests(repository, parsed.manifests)),
    ];
    for (const digest of missing)
      problem('manifest-reference-missing', subject, `references ${digest}, absent from the repository`);
  }

  // 4. Uploads in progress have their bytes; upload bytes without a session are noted.
  const uploads = await metadata.listUploads();
  const uploadIds = new Set(uploads.map((u) => u.id));
  // Only the filesystem driver keeps an upload as one object whose size can be checked.
  const checkUploadBytes = storage.name === 'filesystem';
  for (const upload of uploads) {
    if (!checkUploadBytes) break;
    const info = await storage.stat(`uploads/${upload.id}`);
    if (!info || info.size < upload.size) {
      // Harmless: finishing it either rolls a committed blob forward or tells the client to start over.
      const note: Finding<NoteKind> = {
        kind: 'upload-missing-data',
        subject: upload.id,
        message: `upload session to ${upload.repository} has no bytes left (committed before a crash, or lost)`,
      };
      report.notes.push(note);
      if (options.repair) {
        await metadata.deleteUpload(upload.id);
        note.repaired = true;
      }
    }
  }
  for await (const obj of storage.list('uploads/')) {
    const id = obj.key.slice('uploads/'.length).split('/')[0];
    if (!uploadIds.has(id)) {
      report.notes.push({
        kind: 'unrecorded-upload-data',
        subject: obj.key,
        message: 'upload bytes without a session',
      });
      if (options.repair) await storage.delete(obj.key);
    }
  }
  return report;
}
