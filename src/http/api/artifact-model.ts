/**
 * Builds Harbor-shaped artifacts from manifest records: the list entry (cheap:
 * manifest bytes only) and the full view (config, layers, history, referrers).
 * Berth's additions to Harbor's model: `layers`, `config`, `tag_count`,
 * `referrer_count`, `subject_digest`.
 */

import type { Static } from 'typebox';
import {
  describeManifest,
  type ManifestContents,
  referrerKind,
  summarizeImageConfig,
} from '../../core/artifact-inspect.ts';
import type { ManifestRecord } from '../../core/ports.ts';
import type { TagInfo } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import type { CatalogOptions, SignatureAccessoryView } from './catalog-context.ts';
import type { Accessory } from './catalog-schemas.ts';

/** Tags shown with each artifact of a list; the rest are paged through the tags endpoint. */
export const TAGS_PER_ARTIFACT = 20;
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Lists read small configs only (for the platform at a glance). */
const LIST_CONFIG_BYTES = 64 * 1024;

const IMAGE_CONFIGS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

function artifactKind(record: ManifestRecord, contents: ManifestContents): string {
  if (contents.isIndex) return 'IMAGE';
  const configType = contents.config?.mediaType ?? '';
  // The registry records the config media type as the artifact type when the manifest names none.
  const declared = record.artifactType && record.artifactType !== configType ? record.artifactType : null;
  if (IMAGE_CONFIGS.has(configType) && !declared) return 'IMAGE';
  if (configType.includes('helm')) return 'CHART';
  const kind = referrerKind(declared ?? configType, '');
  return kind === 'artifact' ? 'ARTIFACT' : kind.toUpperCase();
}

const tagJson = (t: TagInfo) => ({ name: t.name, push_time: t.updatedAt, pull_time: null, immutable: false });

export interface ListExtras {
  size: number;
  tags: TagInfo[];
  tagCount: number;
  referrerCount: number;
  /** The latest pull, or null if never pulled. */
  pulledAt: string | null;
}

export async function artifactSummary(
  registry: Registry,
  repository: string,
  record: ManifestRecord,
  extras: ListExtras,
) {
  const bytes = await registry.manifestContent(record.digest).catch(() => Buffer.from('{}'));
  const contents = describeManifest(bytes, record.mediaType);
  const config = contents.isIndex ? null : await imageConfig(registry, contents, LIST_CONFIG_BYTES);
  return {
    type: artifactKind(record, contents),
    media_type: contents.config?.mediaType ?? record.mediaType,
    manifest_media_type: record.mediaType,
    artifact_type: record.artifactType ?? contents.config?.mediaType ?? record.mediaType,
    repository_name: repository,
    digest: record.digest,
    size: extras.size,
    push_time: record.createdAt,
    pull_time: extras.pulledAt,
    annotations: record.annotations ? (JSON.parse(record.annotations) as Record<string, string>) : {},
    extra_attrs: config ? { architecture: config.architecture, os: config.os, variant: config.variant } : {},
    references: contents.children.map((c) => ({
      child_digest: c.digest,
      platform: c.platform ?? null,
      annotations: c.annotations ?? {},
      urls: c.urls ?? [],
    })),
    tags: extras.tags.map(tagJson),
    tag_count: extras.tagCount,
    referrer_count: extras.referrerCount,
    subject_digest: record.subject,
    labels: [],
    addition_links: contents.isIndex
      ? {}
      : {
          build_history: {
            href: `/api/v2.0/projects/${projectPath(repository)}/artifacts/${record.digest}/additions/build_history`,
            absolute: false,
          },
        },
  };
}

/** `project/repositories/rest`, with the rest encoded twice as Harbor's links are. */
function projectPath(repository: string): string {
  const slash = repository.indexOf('/');
  const project = slash === -1 ? repository : repository.slice(0, slash);
  const rest = slash === -1 ? repository : repository.slice(slash + 1);
  return `${project}/repositories/${encodeURIComponent(encodeURIComponent(rest))}`;
}

/** Summaries for a page of records, with sizes, tags, referrer counts and pull times fetched in a few queries. */
export async function artifactPage(options: CatalogOptions, repository: string, records: ManifestRecord[]) {
  const digests = records.map((r) => r.digest);
  const [sizes, tags, referrers, pulls] = await Promise.all([
    options.catalog.artifactSizes(repository, digests),
    options.catalog.tagsOf(repository, digests, TAGS_PER_ARTIFACT),
    options.catalog.referrerCounts(repository, digests),
    options.catalog.pullTimes(repository, digests),
  ]);
  return Promise.all(
    records.map((r) =>
      artifactSummary(options.registry, repository, r, {
        size: sizes.get(r.digest) ?? r.size,
        tags: tags.get(r.digest)?.tags ?? [],
        tagCount: tags.get(r.digest)?.count ?? 0,
        referrerCount: referrers.get(r.digest) ?? 0,
        pulledAt: pulls.get(r.digest) ?? null,
      }),
    ),
  );
}

export async function imageConfig(registry: Registry, contents: ManifestContents, maxBytes = MAX_CONFIG_BYTES) {
  const config = contents.config;
  if (!config || config.size > maxBytes || !IMAGE_CONFIGS.has(config.mediaType)) return null;
  const bytes = await registry.blobBytes(config.digest);
  return bytes ? summarizeImageConfig(bytes) : null;
}

/** Everything about one artifact: the list entry plus layers, config and referrers. */
export async function artifactDetail(options: CatalogOptions, repository: string, record: ManifestRecord) {
  const { registry, catalog } = options;
  const [summary] = await artifactPage(options, repository, [record]);
  const allTags = await catalog.listTags(repository, record.digest, { offset: 0, limit: 100 });
  const contents = describeManifest(await registry.manifestContent(record.digest), record.mediaType);
  const config = await imageConfig(registry, contents);
  const childSizes = await catalog.artifactSizes(
    repository,
    contents.children.map((c) => c.digest),
  );
  const referrers = await registry.referrerRecords(repository, record.digest);
  const referrerSizes = await catalog.artifactSizes(
    repository,
    referrers.map((r) => r.digest),
  );
  return {
    ...summary,
    tags: allTags.items.map(tagJson),
    tag_count: allTags.total,
    extra_attrs: config
      ? {
          architecture: config.architecture,
          os: config.os,
          variant: config.variant,
          created: config.created,
          author: config.author,
          config: config.config,
        }
      : {},
    config: contents.config
      ? { media_type: contents.config.mediaType, digest: contents.config.digest, size: contents.config.size }
      : null,
    layers: contents.layers.map((l) => ({
      media_type: l.mediaType,
      digest: l.digest,
      size: l.size,
      annotations: l.annotations ?? {},
    })),
    references: contents.children.map((c) => ({
      child_digest: c.digest,
      media_type: c.mediaType,
      size: childSizes.get(c.digest) ?? c.size,
      platform: c.platform ?? null,
      annotations: c.annotations ?? {},
      urls: c.urls ?? [],
    })),
    history: config?.history ?? [],
    accessories: withSignatures(
      referrers.map((r) => ({
        digest: r.digest,
        type: referrerKind(r.artifactType, r.mediaType),
        artifact_type: r.artifactType,
        media_type: r.mediaType,
        size: referrerSizes.get(r.digest) ?? r.size,
        subject_artifact_digest: record.digest,
        subject_artifact_repo: repository,
        creation_time: r.createdAt,
        annotations: r.annotations ? (JSON.parse(r.annotations) as Record<string, string>) : {},
      })),
      options.signatures ? await options.signatures(repository, record.digest) : [],
      { digest: record.digest, repository },
    ),
  };
}

/** Referrer accessories with their verification merged in, plus tag-scheme signatures (which are not referrers). */
function withSignatures<T extends { digest: string }>(
  accessories: T[],
  signatures: SignatureAccessoryView[],
  subject: { digest: string; repository: string },
) {
  const byDigest = new Map(signatures.map((s) => [s.digest, s]));
  // Typed as the API's Accessory (catalog-schemas.ts): the response schema serializes exactly these fields.
  const merged: Static<typeof Accessory>[] = accessories.map((a) => {
    const s = byDigest.get(a.digest);
    return (s ? { ...a, type: s.type, signed: s.signed, signature: s.signature } : a) as unknown as Static<
      typeof Accessory
    >;
  });
  for (const s of signatures) {
    if (accessories.some((a) => a.digest === s.digest)) continue;
    merged.push({
      ...s,
      subject_artifact_digest: subject.digest,
      subject_artifact_repo: subject.repository,
      annotations: {},
    } as unknown as Static<typeof Accessory>);
  }
  return merged;
}
