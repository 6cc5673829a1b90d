/**
 * What a bundle holds: the references asked for, resolved to repositories,
 * tags and manifest digests, and every blob and child manifest they reach.
 */
import { isDigest } from '../../core/digest.ts';
import { parseManifest } from '../../core/manifest.ts';
import type { Registry } from '../../core/registry.ts';

/** org.opencontainers.image.ref.name: `repository:tag` or `repository@digest`. */
export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Selection {
  /** `repo:tag`, `repo@sha256:…`, or `repo` (every tag of it). */
  refs?: string[];
  /** Every repository of this project (`P/…`). */
  project?: string;
  /** Every tag of every repository. */
  all?: boolean;
}

export interface RootRef {
  repository: string;
  /** Tag, or null when asked by digest. */
  tag: string | null;
  digest: string;
  mediaType: string;
  size: number;
}

export interface Content {
  roots: RootRef[];
  /** Every object to write, manifests and blobs alike, each once, in a stable order. */
  objects: Map<string, number>;
}

export class SelectionError extends Error {}

/** Splits `repo:tag` / `repo@digest` / `repo`; a colon inside the host-like first part is not a tag. */
export function parseRef(ref: string): { repository: string; reference: string | null } {
  const at = ref.indexOf('@');
  if (at !== -1) return { repository: ref.slice(0, at), reference: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), reference: ref.slice(colon + 1) };
  return { repository: ref, reference: null };
}

async function allPages<T>(page: (last?: string) => Promise<T[]>, key: (t: T) => string): Promise<T[]> {
  const out: T[] = [];
  let last: string | undefined;
  for (;;) {
    const got = await page(last);
    out.push(...got);
    if (got.length < 1000) return out;
    last = key(got[got.length - 1]);
  }
}

const repositories = (registry: Registry) =>
  allPages(
    (last) => registry.listRepositories({ n: 1000, last }),
    (r) => r,
  );
const tags = (registry: Registry, repo: string) =>
  allPages(
    (last) => registry.listTags(repo, { n: 1000, last }),
    (t) => t,
  );

/** The roots the selection names, each checked to exist. */
export async function resolveSelection(registry: Registry, selection: Selection): Promise<RootRef[]> {
  const wanted: { repository: string; reference: string }[] = [];
  const everyTag = async (repository: string) => {
    for (const tag of await tags(registry, repository)) wanted.push({ repository, reference: tag });
  };
  if (selection.all || selection.project) {
    for (const repo of await repositories(registry))
      if (selection.all || repo.startsWith(`${selection.project}/`)) await everyTag(repo);
  }
  for (const ref of selection.refs ?? []) {
    const { repository, reference } = parseRef(ref);
    if (reference === null) await everyTag(repository);
    else wanted.push({ repository, reference });
  }
  if (wanted.length === 0) throw new SelectionError('nothing to export: name references, --project or --all');
  const roots: RootRef[] = [];
  const seen = new Set<string>();
  for (const { repository, reference } of wanted) {
    const key = `${repository}\n${reference}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const record = await registry.manifestRecord(repository, reference).catch(() => {
      throw new SelectionError(`${repository}${isDigest(reference) ? '@' : ':'}${reference}: no such image`);
    });
    roots.push({
      repository,
      tag: isDigest(reference) ? null : reference,
      digest: record.digest,
      mediaType: record.mediaType,
      size: record.size,
    });
  }
  return roots;
}

/** Walks each root's manifests (index → images → config and layers), listing every object once. */
export async function collectContent(registry: Registry, roots: RootRef[]): Promise<Content> {
  const objects = new Map<string, number>();
  const walk = async (digest: string, mediaType: string, size: number): Promise<void> => {
    if (objects.has(digest)) return;
    const bytes = await registry.manifestContent(digest);
    parseManifest(bytes, mediaType); // refuses anything Berth would not have accepted
    const doc = JSON.parse(bytes.toString('utf8')) as {
      manifests?: { digest: string; mediaType: string; size: number }[];
      config?: { digest: string; size: number };
      layers?: { digest: string; size: number; urls?: string[] }[];
    };
    // Children first: a reader of the archive meets what a manifest needs before the manifest.
    for (const m of doc.manifests ?? []) await walk(m.digest, m.mediaType, m.size);
    // Foreign layers (with urls) are not stored by registries and not bundled.
    const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []).filter((l) => !l.urls?.length)];
    for (const b of blobs) if (!objects.has(b.digest)) objects.set(b.digest, b.size);
    objects.set(digest, size);
  };
  for (const root of roots) await walk(root.digest, root.mediaType, root.size);
  return { roots, objects };
}
