/**
 * cosign's "simple signing" payload (the containers/image format cosign
 * signs): names the image digest and the repository it was signed for.
 */
export const SIMPLE_SIGNING_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_REFERRER_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const SIGSTORE_BUNDLE_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const NOTATION_SIGNATURE_TYPE = 'application/vnd.cncf.notary.signature';
export const COSIGN_PAYLOAD_TYPE = 'cosign container image signature';
/** A payload is a few hundred bytes; anything bigger is not one (and is not read). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface SimpleSigning {
  dockerReference: string;
  digest: string;
}

/** The payload `cosign sign` writes, byte for byte the same key order. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type: COSIGN_PAYLOAD_TYPE,
      },
      optional: null,
    }),
  );
}

/** Reads a payload; null when it is not a simple-signing document. */
export function parseSimpleSigning(bytes: Buffer): SimpleSigning | null {
  if (bytes.length > MAX_PAYLOAD_BYTES) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const critical = (doc as { critical?: Record<string, unknown> } | null)?.critical;
  if (!critical || typeof critical !== 'object') return null;
  const identity = critical.identity as { 'docker-reference'?: unknown } | undefined;
  const image = critical.image as { 'docker-manifest-digest'?: unknown } | undefined;
  const digest = image?.['docker-manifest-digest'];
  if (typeof digest !== 'string') return null;
  const ref = identity?.['docker-reference'];
  return { digest, dockerReference: typeof ref === 'string' ? ref : '' };
}

/**
 * The repository path of a docker reference (`host:port/team/app` →
 * `team/app`); the host is dropped because clients name the same registry by
 * different addresses.
 */
export function repositoryOfReference(ref: string): string {
  const noDigest = ref.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const lastColon = noDigest.lastIndexOf(':');
  const noTag = lastColon > lastSlash ? noDigest.slice(0, lastColon) : noDigest;
  const first = noTag.split('/')[0];
  const hasHost = noTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? noTag.slice(first.length + 1) : noTag;
}
