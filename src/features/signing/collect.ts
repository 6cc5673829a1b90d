/**
 * Finds an artifact's signatures in its repository and checks each one:
 * cosign's tag scheme (`sha256-<hex>.sig`, no OCI subject) and referrers
 * (cosign's OCI 1.1 artifact type, Sigstore bundles, notation). Sizes are
 * bounded before anything is read; malformed manifests become `invalid`
 * checks, never exceptions.
 */
import { checkCosignLayer } from './cosign.ts';
import { COSE_MEDIA_TYPE, checkNotation, JWS_MEDIA_TYPE } from './notation.ts';
import {
  COSIGN_REFERRER_TYPE,
  MAX_PAYLOAD_BYTES,
  NOTATION_SIGNATURE_TYPE,
  SIGSTORE_BUNDLE_TYPE_PREFIX,
  SIMPLE_SIGNING_TYPE,
} from './payload.ts';
import type { Expected, TrustedSet } from './trust.ts';
import { failed, type SignatureCheck, type SignatureFormat } from './verdict.ts';

/** The Sigstore libraries (~100 ms to load) come with the first Sigstore bundle to check, not at start-up. */
let bundleModule: Promise<typeof import('./bundle.ts')> | null = null;
const sigstoreBundles = () => (bundleModule ??= import('./bundle.ts'));

/** A signature manifest is small; a bigger one is refused unread. */
export const MAX_SIGNATURE_MANIFEST_BYTES = 256 * 1024;
const MAX_LAYERS = 32;

export interface SignatureRecord {
  digest: string;
  size: number;
  mediaType: string;
  artifactType: string | null;
  createdAt?: string;
}

/** What the collector reads from the registry (wired over the core Registry). */
export interface SignatureSource {
  manifestByTag(repository: string, tag: string): Promise<SignatureRecord | null>;
  referrers(repository: string, digest: string): Promise<SignatureRecord[]>;
  manifestBytes(digest: string): Promise<Buffer>;
  /** A blob's bytes when linked in `repository` and at most `max` bytes; null otherwise. */
  blobBytes(repository: string, digest: string, max: number): Promise<Buffer | null>;
}

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

export const signatureTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

export function formatOfType(artifactType: string | null): SignatureFormat | null {
  if (!artifactType) return null;
  if (artifactType === NOTATION_SIGNATURE_TYPE) return 'notation';
  if (artifactType.startsWith(SIGSTORE_BUNDLE_TYPE_PREFIX)) return 'sigstore-bundle';
  if (artifactType === COSIGN_REFERRER_TYPE) return 'cosign';
  return null;
}

function layersOf(bytes: Buffer): { layers: Layer[]; configType: string | null } | string {
  let doc: { layers?: unknown; config?: { mediaType?: unknown } };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the signature manifest is not JSON';
  }
  if (!doc || !Array.isArray(doc.layers)) return 'the signature manifest has no layers';
  if (doc.layers.length === 0 || doc.layers.length > MAX_LAYERS)
    return `the signature manifest must have 1 to ${MAX_LAYERS} layers`;
  const layers: Layer[] = [];
  for (const l of doc.layers as Record<string, unknown>[]) {
    if (!l || typeof l.digest !== 'string' || typeof l.mediaType !== 'string' || typeof l.size !== 'number')
      return 'a layer of the signature manifest is malformed';
    const annotations =
      l.annotations && typeof l.annotations === 'object' ? (l.annotations as Record<string, string>) : {};
    layers.push({ mediaType: l.mediaType, digest: l.digest, size: l.size, annotations });
  }
  const configType = typeof doc.config?.mediaType === 'string' ? doc.config.mediaType : null;
  return { layers, configType };
}

export async function collectChecks(
  source: SignatureSource,
  trust: TrustedSet,
  expected: Expected,
): Promise<SignatureCheck[]> {
  const { repository } = expected;
  const found: { record: SignatureRecord; format: SignatureFormat | null }[] = [];
  const tagged = await source.manifestByTag(repository, signatureTag(expected.digest));
  if (tagged) found.push({ record: tagged, format: 'cosign' });
  for (const r of await source.referrers(repository, expected.digest)) {
    const format = formatOfType(r.artifactType);
    if (format) found.push({ record: r, format });
  }
  const checks: SignatureCheck[] = [];
  for (const { record, format } of found) {
    const fmt = format ?? 'cosign';
    if (record.size > MAX_SIGNATURE_MANIFEST_BYTES) {
      checks.push(
        failed(
          fmt,
          record.digest,
          'invalid',
          `the signature manifest is larger than ${MAX_SIGNATURE_MANIFEST_BYTES} bytes`,
        ),
      );
      continue;
    }
    const parsed = layersOf(await source.manifestBytes(record.digest));
    if (typeof parsed === 'string') {
      checks.push(failed(fmt, record.digest, 'invalid', parsed));
      continue;
    }
    for (const layer of parsed.layers) {
      const read = async () =>
        layer.size > MAX_PAYLOAD_BYTES * 4 ? null : source.blobBytes(repository, layer.digest, MAX_PAYLOAD_BYTES * 4);
      if (fmt === 'cosign') {
        if (layer.mediaType !== SIMPLE_SIGNING_TYPE) continue;
        const payload = layer.size > MAX_PAYLOAD_BYTES ? null : await read();
        checks.push(
          payload
            ? checkCosignLayer(record.digest, layer.annotations, payload, trust, expected)
            : failed('cosign', record.digest, 'invalid', 'the signed payload is missing or too large'),
        );
      } else if (fmt === 'sigstore-bundle') {
        const bytes = await read();
        checks.push(
          bytes
            ? (await sigstoreBundles()).checkBundle(record.digest, bytes, trust, expected)
            : failed(fmt, record.digest, 'invalid', 'the Sigstore bundle is missing or too large'),
        );
      } else if (layer.mediaType === JWS_MEDIA_TYPE || layer.mediaType === COSE_MEDIA_TYPE) {
        const bytes = await read();
        checks.push(
          bytes
            ? checkNotation(record.digest, layer.mediaType, bytes, trust, expected)
            : failed(fmt, record.digest, 'invalid', 'the notation envelope is missing or too large'),
        );
      }
    }
    if (!checks.some((c) => c.manifest === record.digest))
      checks.push(failed(fmt, record.digest, 'invalid', 'the signature manifest holds no signature layer'));
  }
  return checks;
}

const NON_RUNNABLE_LAYERS = new Set([
  SIMPLE_SIGNING_TYPE,
  JWS_MEDIA_TYPE,
  COSE_MEDIA_TYPE,
  'application/vnd.dsse.envelope.v1+json',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
]);

/**
 * True for a signature or attestation itself: clients fetch these to verify,
 * so the gate lets them through. Only manifests whose every layer is a
 * signature payload qualify (nothing runnable can hide in one).
 */
export function isSignatureArtifact(bytes: Buffer): boolean {
  const parsed = bytes.length > MAX_SIGNATURE_MANIFEST_BYTES ? 'too large' : layersOf(bytes);
  if (typeof parsed === 'string') return false;
  return parsed.layers.every(
    (l) => NON_RUNNABLE_LAYERS.has(l.mediaType) || l.mediaType.startsWith(SIGSTORE_BUNDLE_TYPE_PREFIX),
  );
}
