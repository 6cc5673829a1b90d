/**
 * Signing and verifying bytes the way cosign does for each key type: ECDSA
 * and RSA over SHA-256 (ECDSA signatures ASN.1 DER; RSA PKCS#1 v1.5, or PSS
 * for RSA-PSS keys and as a fallback for plain RSA keys), Ed25519 over the
 * message itself.
 */
import { constants, type KeyObject, sign, verify } from 'node:crypto';

export function signBytes(privateKey: KeyObject, data: Buffer): Buffer {
  const type = privateKey.asymmetricKeyType;
  if (type === 'ed25519') return sign(null, data, privateKey);
  if (type === 'rsa-pss')
    return sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  if (type === 'ec' || type === 'rsa') return sign('sha256', data, privateKey);
  throw new Error(`unsupported signing key type ${type}`);
}

/** True when `signature` over `data` verifies with `key`; never throws on malformed signatures. */
export function verifyBytes(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    const type = key.asymmetricKeyType;
    if (type === 'ed25519') return verify(null, data, key, signature);
    if (type === 'ec') return verify('sha256', data, key, signature);
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
    if (type === 'rsa-pss') return verify('sha256', data, pss, signature);
    if (type === 'rsa') return verify('sha256', data, key, signature) || verify('sha256', data, pss, signature);
    return false;
  } catch {
    return false;
  }
}
