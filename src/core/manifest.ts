/**
 * Manifest parsing and validation. The registry keeps a manifest's exact
 * bytes; this module only reads what it needs from them: the media type, the
 * blobs and child manifests it references, its subject and artifact type.
 */
import { parseDigest } from './digest.ts';
import { manifestInvalid, RegistryError } from './errors.ts';
import {
  DOCKER_SCHEMA1,
  DOCKER_SCHEMA1_SIGNED,
  INDEX_TYPES,
  isManifestMediaType,
  MANIFEST_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
} from './mediatypes.ts';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Record<string, unknown>;
}

export interface ParsedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  config: Descriptor | null;
  /** Blobs that must be in the repository (config and distributable layers). */
  blobs: string[];
  /** Child manifests that must be in the repository (index entries). */
  manifests: string[];
  subject: Descriptor | null;
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw manifestInvalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw manifestInvalid(`${where}.mediaType must be a string`);
  if (typeof digest !== 'string') throw manifestInvalid(`${where}.digest must be a string`);
  try {
    parseDigest(digest);
  } catch {
    throw manifestInvalid(`${where}.digest is not a valid digest`, { digest });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw manifestInvalid(`${where}.size must be a non-negative integer`);
  }
  if (value.urls !== undefined && !(Array.isArray(value.urls) && value.urls.every((u) => typeof u === 'string'))) {
    throw manifestInvalid(`${where}.urls must be a list of strings`);
  }
  return value as unknown as Descriptor;
}

function stringMap(value: unknown, where: string): Record<string, string> | null {
  if (value === undefined) return null;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw manifestInvalid(`${where} must map strings to strings`);
  }
  return value as Record<string, string>;
}

/** Non-distributable layers (foreign layers with URLs) need not be pushed. */
function mustBePresent(d: Descriptor): boolean {
  return !(d.urls && d.urls.length > 0);
}

/**
 * Parses manifest bytes sent with `contentType`. Throws MANIFEST_INVALID for
 * anything malformed or of a type Berth does not serve (schema 1 included).
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new RegistryError('MANIFEST_TOO_LARGE', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, {
      size: bytes.length,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw manifestInvalid('manifest is not valid JSON', { reason: (err as Error).message });
  }
  if (!isObject(doc)) throw manifestInvalid('manifest must be a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (doc.mediaType !== undefined && declared === undefined) throw manifestInvalid('mediaType must be a string');
  const sent = contentType?.split(';')[0].trim() || undefined;

  if (
    sent === DOCKER_SCHEMA1 ||
    sent === DOCKER_SCHEMA1_SIGNED ||
    declared === DOCKER_SCHEMA1 ||
    declared === DOCKER_SCHEMA1_SIGNED ||
    doc.schemaVersion === 1
  ) {
    // Distribution and Zot refuse schema 1 the same way: an invalid manifest (400), not 415.
    throw manifestInvalid('Docker schema 1 manifests are not supported', { mediaType: declared ?? sent ?? null });
  }
  if (doc.schemaVersion !== 2) throw manifestInvalid('schemaVersion must be 2');

  // The declared media type wins and must be one we know; without one, the
  // Content-Type decides, and an OCI document without either is recognised
  // by its shape.
  if (declared !== undefined && !isManifestMediaType(declared)) {
    throw manifestInvalid('unknown manifest media type', { mediaType: declared });
  }
  let mediaType = declared ?? sent;
  if (declared && sent && sent !== declared && isManifestMediaType(sent)) {
    throw manifestInvalid('Content-Type does not match the manifest mediaType', {
      contentType: sent,
      mediaType: declared,
    });
  }
  if (!mediaType || !isManifestMediaType(mediaType)) {
    if (Array.isArray(doc.manifests)) mediaType = OCI_INDEX;
    else if (doc.config !== undefined) mediaType = OCI_MANIFEST;
    else throw manifestInvalid('unknown manifest media type', { mediaType: mediaType ?? null });
  }

  const subject = doc.subject === undefined ? null : descriptor(doc.subject, 'subject');
  const annotations = stringMap(doc.annotations, 'annotations');
  if (doc.artifactType !== undefined && typeof doc.artifactType !== 'string') {
    throw manifestInvalid('artifactType must be a string');
  }
  const artifactType = (doc.artifactType as string | undefined) ?? null;

  if (MANIFEST_TYPES.has(mediaType)) {
    if (Array.isArray(doc.manifests)) throw manifestInvalid('an image manifest cannot list manifests');
    const config = descriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) throw manifestInvalid('layers must be a list');
    const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
    const blobs = [config, ...layers].filter(mustBePresent).map((d) => d.digest);
    return {
      mediaType,
      kind: 'image',
      config,
      blobs: [...new Set(blobs)],
      manifests: [],
      subject,
      artifactType: artifactType ?? config.mediaType,
      annotations,
    };
  }
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw manifestInvalid('manifests must be a list');
    if (doc.layers !== undefined || doc.config !== undefined)
      throw manifestInvalid('an index cannot have layers or config');
    const children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
    return {
      mediaType,
      kind: 'index',
      config: null,
      blobs: [],
      manifests: [...new Set(children.map((d) => d.digest))],
      subject,
      artifactType,
      annotations,
    };
  }
  throw manifestInvalid('unknown manifest media type', { mediaType });
}
