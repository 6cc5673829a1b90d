/** What one signature check and one artifact's verdict say, in words a refusal can quote. */

export type SignatureFormat = 'cosign' | 'sigstore-bundle' | 'notation';

/** Why a signature did not count, most telling first (a refusal quotes the most telling one). */
export type Failure = 'other_digest' | 'other_repository' | 'expired' | 'unknown_key' | 'invalid';

export interface SignatureCheck {
  format: SignatureFormat;
  /** The manifest that carries the signature (tag-scheme `.sig` or referrer). */
  manifest: string;
  valid: boolean;
  failure?: Failure;
  /** A sentence for people: what was wrong, or by which key it verified. */
  message: string;
  /** The trusted key's (or certificate's) name, when one verified it. */
  keyName?: string;
  /** The signing key's fingerprint when known (the unknown key a refusal names). */
  fingerprint?: string;
}

export interface Verdict {
  /** `exempt`: a signature or attestation itself (clients fetch them to verify); never gated. */
  status: 'signed' | 'unsigned' | 'invalid' | 'exempt' | 'ungated';
  /** Why pulling is refused; absent when allowed. */
  refusal?: string;
  checks: SignatureCheck[];
}

export const FAILURE_RANK: Record<Failure, number> = {
  other_digest: 0,
  other_repository: 1,
  expired: 2,
  unknown_key: 3,
  invalid: 4,
};

export function failed(
  format: SignatureFormat,
  manifest: string,
  failure: Failure,
  message: string,
  fingerprint?: string,
): SignatureCheck {
  return { format, manifest, valid: false, failure, message, ...(fingerprint ? { fingerprint } : {}) };
}

/** The refusal text for a format's checks (none valid), always naming signing. */
export function refusalFor(format: 'cosign' | 'notation', checks: SignatureCheck[]): string {
  const label = format === 'cosign' ? 'cosign' : 'notation';
  const mine = checks.filter((c) => (format === 'cosign' ? c.format !== 'notation' : c.format === 'notation'));
  if (mine.length === 0)
    return `signature required: the artifact has no ${label} signature (not signed by a trusted key)`;
  const worst = [...mine].sort(
    (a, b) => FAILURE_RANK[a.failure ?? 'invalid'] - FAILURE_RANK[b.failure ?? 'invalid'],
  )[0];
  return `signature required: not signed by a trusted key: ${worst.message}`;
}
