/** Trusted keys and certificates as the verifiers use them, built from stored PEM. */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { KeyError, parseCertificate, parsePublicKey } from './keys.ts';

export interface TrustedKeyRecord {
  id: number;
  /** null: registry-wide (system) key. */
  projectId: number | null;
  name: string;
  kind: 'public_key' | 'certificate';
  pem: string;
  algorithm: string;
  fingerprint: string;
  createdAt: string;
}

export interface TrustedKey {
  name: string;
  key: KeyObject;
  fingerprint: string;
  /** Present when trusted as a certificate: its validity is checked too. */
  cert?: X509Certificate;
}

export interface TrustedSet {
  /** Keys for cosign: every public key and every certificate's key. */
  keys: TrustedKey[];
  /** Trust anchors for notation: certificates only (CA or self-signed leaf). */
  certs: (TrustedKey & { cert: X509Certificate })[];
}

/** What the signature must name. */
export interface Expected {
  digest: string;
  repository: string;
  now: Date;
}

/** Builds the set; a stored row that no longer parses is skipped (it was checked at upload). */
export function trustedSet(records: TrustedKeyRecord[]): TrustedSet {
  const set: TrustedSet = { keys: [], certs: [] };
  for (const r of records) {
    try {
      if (r.kind === 'certificate') {
        const c = parseCertificate(r.pem);
        const entry = { name: r.name, key: c.key, fingerprint: c.fingerprint, cert: c.cert };
        set.keys.push(entry);
        set.certs.push(entry);
      } else {
        const k = parsePublicKey(r.pem);
        set.keys.push({ name: r.name, key: k.key, fingerprint: k.fingerprint });
      }
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
    }
  }
  return set;
}

/** `expired`/`not yet valid` text for a certificate at `now`, or null when within validity. */
export function validityProblem(cert: X509Certificate, now: Date): string | null {
  if (now.getTime() > new Date(cert.validTo).getTime())
    return `certificate ${cert.subject.replace(/\n/g, ', ')} expired on ${new Date(cert.validTo).toISOString()}`;
  if (now.getTime() < new Date(cert.validFrom).getTime())
    return `certificate ${cert.subject.replace(/\n/g, ', ')} is not valid before ${new Date(cert.validFrom).toISOString()}`;
  return null;
}
