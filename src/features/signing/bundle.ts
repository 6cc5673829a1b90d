/**
 * Sigstore bundles (artifact type application/vnd.dev.sigstore.bundle…+json)
 * signed with a key: the bundle is read and checked by `@sigstore/bundle` and
 * `@sigstore/verify` (no transparency log or timestamp required: key-based
 * trust, as with `cosign verify --key --insecure-ignore-tlog`). The DSSE
 * payload must name the artifact: an in-toto statement whose subject has its
 * digest, or a simple-signing document.
 */

import { type KeyObject, X509Certificate } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { type TrustMaterial, toSignedEntity, Verifier } from '@sigstore/verify';
import { fingerprintOf } from './keys.ts';
import { MAX_PAYLOAD_BYTES, parseSimpleSigning, repositoryOfReference } from './payload.ts';
import type { Expected, TrustedSet } from './trust.ts';
import { failed, type SignatureCheck } from './verdict.ts';

function trustFor(key: KeyObject): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
}

interface Claim {
  digests: string[];
  repository: string | null;
}

function claimOf(payloadType: string, payload: Buffer): Claim | null {
  if (payloadType === 'application/vnd.in-toto+json') {
    try {
      const statement = JSON.parse(payload.toString('utf8')) as {
        subject?: { name?: string; digest?: Record<string, string> }[];
      };
      const subjects = Array.isArray(statement.subject) ? statement.subject : [];
      return {
        digests: subjects.flatMap((s) => Object.entries(s.digest ?? {}).map(([alg, hex]) => `${alg}:${hex}`)),
        repository: subjects[0]?.name ? repositoryOfReference(subjects[0].name) : null,
      };
    } catch {
      return null;
    }
  }
  const simple = parseSimpleSigning(payload);
  return simple ? { digests: [simple.digest], repository: repositoryOfReference(simple.dockerReference) } : null;
}

export function checkBundle(manifest: string, bytes: Buffer, trust: TrustedSet, expected: Expected): SignatureCheck {
  const fail = (why: Parameters<typeof failed>[2], message: string, fp?: string) =>
    failed('sigstore-bundle', manifest, why, message, fp);
  if (bytes.length > MAX_PAYLOAD_BYTES * 4) return fail('invalid', 'the Sigstore bundle is too large');
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(JSON.parse(bytes.toString('utf8')));
  } catch (err) {
    return fail('invalid', `malformed Sigstore bundle (${(err as Error).message})`);
  }
  if (bundle.content.$case !== 'dsseEnvelope')
    return fail('invalid', 'the Sigstore bundle holds a message signature without the signed artifact; use DSSE');
  const material = bundle.verificationMaterial.content;
  let certFingerprint: string | undefined;
  if (material.$case === 'x509CertificateChain' || material.$case === 'certificate') {
    const raw =
      material.$case === 'certificate'
        ? material.certificate.rawBytes
        : material.x509CertificateChain.certificates[0]?.rawBytes;
    try {
      if (raw) certFingerprint = fingerprintOf(new X509Certificate(raw).publicKey);
    } catch {
      return fail('invalid', 'the Sigstore bundle carries an unreadable certificate');
    }
    return fail(
      'unknown_key',
      `signed by a certificate whose key is not trusted (fingerprint ${certFingerprint})`,
      certFingerprint,
    );
  }
  const entity = toSignedEntity(bundle);
  const verifier = (key: KeyObject) =>
    new Verifier(trustFor(key), { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 });
  const signer = trust.keys.find((k) => {
    try {
      verifier(k.key).verify(entity);
      return true;
    } catch {
      return false;
    }
  });
  if (!signer) {
    const hint = material.$case === 'publicKey' ? material.publicKey.hint : '';
    return fail('unknown_key', `signed by a key that is not trusted${hint ? ` (key hint ${hint})` : ''}`);
  }
  const envelope = bundle.content.dsseEnvelope;
  const claim = claimOf(envelope.payloadType, envelope.payload);
  if (!claim) return fail('invalid', `the DSSE payload (${envelope.payloadType}) does not name an artifact`);
  if (!claim.digests.includes(expected.digest))
    return fail('other_digest', `signature for another digest (${claim.digests[0] ?? 'none'}), not ${expected.digest}`);
  if (claim.repository && claim.repository !== expected.repository)
    return fail('other_repository', `signature made for repository ${claim.repository}, not ${expected.repository}`);
  return {
    format: 'sigstore-bundle',
    manifest,
    valid: true,
    message: `verified with trusted key ${signer.name}`,
    keyName: signer.name,
    fingerprint: signer.fingerprint,
  };
}
