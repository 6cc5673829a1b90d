/**
 * cosign signatures: each layer of a tag-scheme `sha256-<hex>.sig` manifest
 * (or of a referrer with cosign's artifact type) is a simple-signing payload
 * whose signature is the base64 `dev.cosignproject.cosign/signature`
 * annotation. Valid when a trusted key verifies it, the payload names the
 * artifact's digest and this repository, and a trusted certificate (if that
 * is how the key is trusted) is within validity.
 */
import { X509Certificate } from 'node:crypto';
import { fingerprintOf } from './keys.ts';
import {
  COSIGN_CERTIFICATE_ANNOTATION,
  COSIGN_SIGNATURE_ANNOTATION,
  parseSimpleSigning,
  repositoryOfReference,
} from './payload.ts';
import { verifyBytes } from './raw-signature.ts';
import { type Expected, type TrustedSet, validityProblem } from './trust.ts';
import { failed, type SignatureCheck } from './verdict.ts';

/** Berth's own hint of the signing key (cosign ignores it): lets a refusal name an unknown key. */
export const KEY_FINGERPRINT_ANNOTATION = 'dev.berth.signing/key-fingerprint';

export function checkCosignLayer(
  manifest: string,
  annotations: Record<string, string>,
  payload: Buffer,
  trust: TrustedSet,
  expected: Expected,
): SignatureCheck {
  const fail = (why: Parameters<typeof failed>[2], message: string, fp?: string) =>
    failed('cosign', manifest, why, message, fp);
  const encoded = annotations[COSIGN_SIGNATURE_ANNOTATION];
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length > 4096)
    return fail('invalid', `the signature layer has no valid ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
  const signature = Buffer.from(encoded, 'base64');
  const signer = trust.keys.find((k) => verifyBytes(k.key, payload, signature));
  if (!signer) {
    let fingerprint = annotations[KEY_FINGERPRINT_ANNOTATION];
    const certPem = annotations[COSIGN_CERTIFICATE_ANNOTATION];
    if (certPem) {
      try {
        fingerprint = fingerprintOf(new X509Certificate(certPem).publicKey);
      } catch {
        // an unreadable certificate leaves the fingerprint unknown
      }
    }
    if (typeof fingerprint === 'string' && /^sha256:[0-9a-f]{64}$/.test(fingerprint))
      return fail('unknown_key', `signed by an unknown key (fingerprint ${fingerprint})`, fingerprint);
    return fail('unknown_key', 'signed by an unknown key (no trusted key verifies the signature)');
  }
  const claim = parseSimpleSigning(payload);
  if (!claim) return fail('invalid', 'the signed payload is not a simple-signing document', signer.fingerprint);
  if (claim.digest !== expected.digest)
    return fail('other_digest', `signature for another digest (${claim.digest}), not ${expected.digest}`);
  const repository = repositoryOfReference(claim.dockerReference);
  if (repository !== expected.repository)
    return fail(
      'other_repository',
      `signature made for repository ${repository || '(none)'}, not ${expected.repository}`,
    );
  if (signer.cert) {
    const problem = validityProblem(signer.cert, expected.now);
    if (problem) return fail('expired', problem, signer.fingerprint);
  }
  return {
    format: 'cosign',
    manifest,
    valid: true,
    message: `verified with trusted key ${signer.name}`,
    keyName: signer.name,
    fingerprint: signer.fingerprint,
  };
}
