/**
 * Reads what a person wants to see about an artifact from its stored bytes:
 * the layers and config of an image, the platforms of an index, and the image
 * config's summary and build history. Lenient: unknown shapes give empty
 * answers, never errors (the bytes were validated when pushed).
 */
import type { Descriptor } from './manifest.ts';
import { INDEX_TYPES } from './mediatypes.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toDescriptor(v: unknown): Descriptor | null {
  if (!isObject(v) || typeof v.digest !== 'string' || typeof v.mediaType !== 'string') return null;
  return {
    mediaType: v.mediaType,
    digest: v.digest,
    size: typeof v.size === 'number' ? v.size : 0,
    ...(isObject(v.annotations) ? { annotations: v.annotations as Record<string, string> } : {}),
    ...(isObject(v.platform) ? { platform: v.platform } : {}),
    ...(typeof v.artifactType === 'string' ? { artifactType: v.artifactType } : {}),
    ...(Array.isArray(v.urls) ? { urls: v.urls.filter((u): u is string => typeof u === 'string') } : {}),
  };
}

export interface ManifestContents {
  mediaType: string;
  isIndex: boolean;
  config: Descriptor | null;
  layers: Descriptor[];
  /** Index entries, each with its platform when given. */
  children: Descriptor[];
  annotations: Record<string, string>;
}

export function describeManifest(bytes: Buffer, recordedMediaType: string): ManifestContents {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    doc = {};
  }
  const m = isObject(doc) ? doc : {};
  const mediaType = str(m.mediaType) ?? recordedMediaType;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(toDescriptor).filter((d): d is Descriptor => d !== null) : []);
  return {
    mediaType,
    isIndex: INDEX_TYPES.has(mediaType) || INDEX_TYPES.has(recordedMediaType),
    config: toDescriptor(m.config),
    layers: list(m.layers),
    children: list(m.manifests),
    annotations: isObject(m.annotations) ? (m.annotations as Record<string, string>) : {},
  };
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfigSummary {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config: {
    Labels?: Record<string, string>;
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown>;
  };
  history: HistoryEntry[];
}

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);

/** The parts of an OCI/Docker image config the console shows; null when it is not JSON. */
export function summarizeImageConfig(bytes: Buffer): ImageConfigSummary | null {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  const c = isObject(doc.config) ? doc.config : {};
  const config: ImageConfigSummary['config'] = {};
  if (isObject(c.Labels)) config.Labels = c.Labels as Record<string, string>;
  if (strings(c.Env)) config.Env = strings(c.Env);
  if (strings(c.Cmd)) config.Cmd = strings(c.Cmd);
  if (strings(c.Entrypoint)) config.Entrypoint = strings(c.Entrypoint);
  if (str(c.WorkingDir)) config.WorkingDir = str(c.WorkingDir);
  if (str(c.User)) config.User = str(c.User);
  if (isObject(c.ExposedPorts)) config.ExposedPorts = c.ExposedPorts;
  const history = Array.isArray(doc.history)
    ? doc.history.filter(isObject).map((h) => {
        const entry: HistoryEntry = {};
        if (str(h.created)) entry.created = str(h.created);
        if (str(h.created_by)) entry.created_by = str(h.created_by);
        if (str(h.author)) entry.author = str(h.author);
        if (str(h.comment)) entry.comment = str(h.comment);
        if (h.empty_layer === true) entry.empty_layer = true;
        return entry;
      })
    : [];
  return {
    architecture: str(doc.architecture),
    os: str(doc.os),
    variant: str(doc.variant),
    created: str(doc.created),
    author: str(doc.author),
    config,
    history,
  };
}

/** A short kind for a referrer: what the console labels it. */
export function referrerKind(artifactType: string | null, mediaType: string): string {
  const t = `${artifactType ?? ''} ${mediaType}`.toLowerCase();
  if (/cosign|notary|notation|signature|\.sig\b/.test(t)) return 'signature';
  if (/sbom|spdx|cyclonedx|syft/.test(t)) return 'sbom';
  if (/vuln|sarif|scan|vex/.test(t)) return 'vulnerability report';
  if (/attestation|in-toto|provenance|slsa/.test(t)) return 'attestation';
  return 'artifact';
}
