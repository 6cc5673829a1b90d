/**
 * Trusted keys and certificates: PEM in, a verifying key and a fingerprint
 * out. Accepts what `openssl genpkey`/`openssl ec -pubout`/`cosign
 * generate-key-pair` write: SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`, and
 * X.509 `CERTIFICATE`. Supported: ECDSA P-256 (P-384/P-521 too), RSA
 * (>= 2048 bits, PKCS#1 v1.5 and PSS), RSA-PSS keys, Ed25519.
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';

export class KeyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'rsa-pss' | 'ed25519';

export interface ParsedKey {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo: the same for a key and a certificate holding it. */
  fingerprint: string;
}

export interface ParsedCertificate extends ParsedKey {
  cert: X509Certificate;
}

/** At most this much PEM is read: a key or a short chain, never a stray file. */
export const MAX_PEM_BYTES = 64 * 1024;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;

export function fingerprintOf(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

/** The algorithm of a public key, or a KeyError for keys Berth does not verify with. */
export function algorithmOf(key: KeyObject, field = 'public_key'): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = details.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-p256';
    if (curve === 'secp384r1') return 'ecdsa-p384';
    if (curve === 'secp521r1') return 'ecdsa-p521';
    throw new KeyError(field, `unsupported elliptic curve ${curve ?? 'unknown'}: use P-256, P-384 or P-521`);
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048) throw new KeyError(field, `RSA key of ${bits} bits is too short: use at least 2048`);
    return type === 'rsa' ? 'rsa' : 'rsa-pss';
  }
  if (type === 'ed25519') return 'ed25519';
  throw new KeyError(field, `unsupported key type ${type ?? 'unknown'}: use ECDSA P-256, RSA or Ed25519`);
}

function pemBlocks(pem: string, field: string): { label: string; der: Buffer }[] {
  if (typeof pem !== 'string' || pem.trim() === '') throw new KeyError(field, `${field} must be a PEM text`);
  if (pem.length > MAX_PEM_BYTES) throw new KeyError(field, `${field} is larger than ${MAX_PEM_BYTES} bytes`);
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((m) => ({
    label: m[1],
    der: Buffer.from(m[2].replace(/\s+/g, ''), 'base64'),
  }));
  if (blocks.length === 0) throw new KeyError(field, `${field} is not PEM: no -----BEGIN ...----- block`);
  return blocks;
}

/** A public key in PEM (SPKI or PKCS#1). Private keys are refused: they must never be uploaded. */
export function parsePublicKey(pem: string, field = 'public_key'): ParsedKey {
  const [block] = pemBlocks(pem, field);
  if (/PRIVATE/.test(block.label)) throw new KeyError(field, `${field} is a private key: upload the public key only`);
  if (block.label === 'CERTIFICATE') return parseCertificate(pem, field);
  let key: KeyObject;
  try {
    key =
      block.label === 'RSA PUBLIC KEY'
        ? createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' })
        : createPublicKey({ key: block.der, format: 'der', type: 'spki' });
  } catch (err) {
    throw new KeyError(field, `${field} is not a readable public key (${(err as Error).message})`);
  }
  return { key, algorithm: algorithmOf(key, field), fingerprint: fingerprintOf(key) };
}

/** An X.509 certificate in PEM (the first block; a trust anchor for notation or a cosign key holder). */
export function parseCertificate(pem: string, field = 'certificate'): ParsedCertificate {
  const [block] = pemBlocks(pem, field);
  if (block.label !== 'CERTIFICATE') throw new KeyError(field, `${field} must be a PEM CERTIFICATE block`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block.der);
  } catch (err) {
    throw new KeyError(field, `${field} is not a readable X.509 certificate (${(err as Error).message})`);
  }
  const key = cert.publicKey;
  return { cert, key, algorithm: algorithmOf(key, field), fingerprint: fingerprintOf(key) };
}

/** A DER certificate (as in a JWS `x5c` entry); null when unreadable. */
export function certificateFromDer(der: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
}
