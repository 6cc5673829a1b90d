/**
 * Encryption at rest for stored credentials (registry passwords, kubeconfigs).
 *
 * Format: `bx1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts).
 * - `bx1`: format version, so a later scheme can be read beside this one.
 * - keyId: first 8 hex digits of SHA-256 over the derived key, so a value
 *   encrypted under an older secret is recognised and decrypted with it while
 *   new values use the current one (key rotation).
 * - AES-256-GCM, 96-bit random IV, 128-bit tag; the optional `context`
 *   (e.g. `connection/42/password`) is authenticated data, so a ciphertext
 *   moved to another record or field fails to decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';

const VERSION = 'bx1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A fixed, versioned salt: the key must be the same on every node from the
// same configured secret. The secret itself must carry the entropy.
const KDF_SALT = 'berth/secretbox/v1';
const MIN_SECRET_LENGTH = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

/** What callers of a SecretBox use (a lazily keyed box is one too). */
export type Sealer = Pick<SecretBox, 'encrypt' | 'decrypt' | 'needsRotation'>;

/** A box whose key is derived (scrypt, ~0.1-0.5 s) on first use rather than at start. */
export function lazySecretBox(secret: string, previous: readonly string[] = []): Sealer {
  let box: SecretBox | undefined;
  const get = () => {
    box ??= new SecretBox(secret, previous);
    return box;
  };
  return {
    encrypt: (plaintext, context) => get().encrypt(plaintext, context),
    decrypt: (sealed, context) => get().decrypt(sealed, context),
    needsRotation: (sealed) => get().needsRotation(sealed),
  };
}

export class SecretBox {
  private readonly current: Key;
  private readonly byId = new Map<string, Key>();

  /**
   * @param secret the configured encryption secret (at least 16 characters)
   * @param previous older secrets still accepted for decryption
   */
  constructor(secret: string, previous: readonly string[] = []) {
    this.current = deriveKey(secret);
    for (const k of [this.current, ...previous.map(deriveKey)]) {
      if (!this.byId.has(k.id)) this.byId.set(k.id, k);
    }
  }

  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    cipher.setAAD(aad(this.current.id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 4) throw new SecretBoxError('not a sealed value');
    const [version, keyId, ivText, bodyText] = parts as [string, string, string, string];
    if (version !== VERSION) throw new SecretBoxError(`unsupported sealed value version "${version}"`);
    const key = this.byId.get(keyId);
    if (!key) throw new SecretBoxError(`sealed with an unknown key (${keyId}); is the configured secret right?`);
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new SecretBoxError('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, iv);
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('sealed value was tampered with or belongs to another record');
    }
  }

  /** True when `sealed` should be re-encrypted under the current key. */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(`${VERSION}.`);
  }
}

function deriveKey(secret: string): Key {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new SecretBoxError(`the encryption secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  // scrypt so that a passphrase-like secret is still costly to brute-force.
  const bytes = scryptSync(secret, KDF_SALT, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return { id, bytes };
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}\0${keyId}\0${context}`, 'utf8');
}
