/**
 * Notation signatures: JWS JSON envelopes (`application/jose+json`) stored as
 * referrers with artifact type application/vnd.cncf.notary.signature, checked
 * the way the Notary Project's trust policy does for the `notary.x509`
 * signing scheme: the protected header's signed attributes (content type,
 * signing scheme, signing time, expiry, `crit`), an x5c chain that ends at
 * (or is issued by) a trusted certificate, every certificate within validity
 * now, the signature by the leaf's key, and a payload naming this artifact.
 * The same checks apply to COSE_Sign1 envelopes (`application/cose`, read
 * in cose.ts): both are first read into a `NotaryEnvelope`.
 */
import { constants, type KeyObject, verify, type X509Certificate } from 'node:crypto';
import { readCose } from './cose.ts';
import { certificateFromDer, fingerprintOf } from './keys.ts';
import { EXPIRY, type NotaryEnvelope, SCHEME, SIGNING_TIME } from './notary-envelope.ts';
import { MAX_PAYLOAD_BYTES } from './payload.ts';
import { type Expected, type TrustedSet, validityProblem } from './trust.ts';
import { failed, type SignatureCheck } from './verdict.ts';

export const JWS_MEDIA_TYPE = 'application/jose+json';
export const COSE_MEDIA_TYPE = 'application/cose';
export const NOTARY_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
const KNOWN_CRITICAL = new Set([SCHEME, EXPIRY, 'io.cncf.notary.authenticSigningTime']);

export const ALGORITHMS: Record<string, (key: KeyObject, data: Buffer, sig: Buffer) => boolean> = {
  PS256: (key, data, sig) => rsaPss('sha256', 32, key, data, sig),
  PS384: (key, data, sig) => rsaPss('sha384', 48, key, data, sig),
  PS512: (key, data, sig) => rsaPss('sha512', 64, key, data, sig),
  ES256: (key, data, sig) => ecdsa('sha256', key, data, sig),
  ES384: (key, data, sig) => ecdsa('sha384', key, data, sig),
  ES512: (key, data, sig) => ecdsa('sha512', key, data, sig),
};

function rsaPss(hash: string, saltLength: number, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
  return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig);
}

function ecdsa(hash: string, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  if (key.asymmetricKeyType !== 'ec') return false;
  return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

const b64url = /^[A-Za-z0-9_-]*$/;

interface Envelope {
  payload: string;
  protected: string;
  signature: string;
  header?: { x5c?: unknown };
}

function readEnvelope(bytes: Buffer): Envelope | string {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the JWS envelope is not JSON';
  }
  const e = doc as Partial<Envelope> | null;
  if (!e || typeof e !== 'object') return 'the JWS envelope is not an object';
  for (const field of ['payload', 'protected', 'signature'] as const) {
    if (typeof e[field] !== 'string' || !b64url.test(e[field] as string))
      return `the JWS envelope's ${field} is not base64url text`;
  }
  return e as Envelope;
}

function jsonOf(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** The chain's issue links hold (each certificate signed by the next). */
function chainHolds(chain: X509Certificate[]): boolean {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) return false;
  }
  return true;
}

function readJws(bytes: Buffer): NotaryEnvelope | string {
  const envelope = readEnvelope(bytes);
  if (typeof envelope === 'string') return envelope;
  const header = jsonOf(envelope.protected);
  if (!header) return 'the JWS protected header is not JSON';
  const x5c = envelope.header?.x5c;
  if (!Array.isArray(x5c) || x5c.some((e) => typeof e !== 'string')) return 'the envelope has no x5c certificate chain';
  return {
    kind: 'JWS',
    alg: String(header.alg),
    contentType: header.cty,
    scheme: header[SCHEME],
    critical: Array.isArray(header.crit) ? header.crit : null,
    hasExpiry: header[EXPIRY] !== undefined,
    signingTime: typeof header[SIGNING_TIME] === 'string' ? Date.parse(header[SIGNING_TIME] as string) : Number.NaN,
    expiry: header[EXPIRY] === undefined ? null : Date.parse(String(header[EXPIRY])),
    chain: (x5c as string[]).map((e) => Buffer.from(e, 'base64')),
    signingInput: Buffer.from(`${envelope.protected}.${envelope.payload}`, 'ascii'),
    signature: Buffer.from(envelope.signature, 'base64url'),
    payload: Buffer.from(envelope.payload, 'base64url'),
  };
}

export function checkNotation(
  manifest: string,
  mediaType: string,
  bytes: Buffer,
  trust: TrustedSet,
  expected: Expected,
): SignatureCheck {
  const fail = (why: Parameters<typeof failed>[2], message: string, fp?: string) =>
    failed('notation', manifest, why, message, fp);
  if (mediaType !== JWS_MEDIA_TYPE && mediaType !== COSE_MEDIA_TYPE)
    return fail('invalid', `unknown notation envelope type ${mediaType}`);
  if (bytes.length > MAX_PAYLOAD_BYTES * 4) return fail('invalid', 'the signature envelope is too large');
  const env = mediaType === JWS_MEDIA_TYPE ? readJws(bytes) : readCose(bytes);
  if (typeof env === 'string') return fail('invalid', env);
  const name = env.kind;
  if (env.contentType !== NOTARY_PAYLOAD_TYPE)
    return fail('invalid', `the signed content type must be ${NOTARY_PAYLOAD_TYPE}`);
  if (env.scheme !== 'notary.x509')
    return fail('invalid', `signing scheme ${String(env.scheme)} is not supported (only notary.x509)`);
  const crit = env.critical;
  if (!crit?.includes(SCHEME) || (env.hasExpiry && !crit.includes(EXPIRY)))
    return fail('invalid', 'the signed attributes signing scheme and expiry must be marked critical');
  const unknown = crit.find((c) => typeof c !== 'string' || !KNOWN_CRITICAL.has(c));
  if (unknown !== undefined) return fail('invalid', `unknown critical signed attribute ${String(unknown)}`);
  if (Number.isNaN(env.signingTime))
    return fail('invalid', 'the signed attribute signingTime is missing or not a time');
  const check = ALGORITHMS[env.alg];
  if (!check) return fail('invalid', `signature algorithm ${env.alg} is not allowed`);

  if (env.chain.length === 0 || env.chain.length > 10)
    return fail('invalid', 'the envelope has no x5c certificate chain');
  const chain: X509Certificate[] = [];
  for (const der of env.chain) {
    const cert = certificateFromDer(der);
    if (!cert) return fail('invalid', 'the certificate chain holds an unreadable certificate');
    chain.push(cert);
  }
  const leafFingerprint = fingerprintOf(chain[0].publicKey);
  if (!chainHolds(chain)) return fail('invalid', 'the certificate chain is broken');
  const top = chain[chain.length - 1];
  const anchor = trust.certs.find(
    (t) => chain.some((c) => c.raw.equals(t.cert.raw)) || (top.checkIssued(t.cert) && top.verify(t.cert.publicKey)),
  );
  if (!anchor)
    return fail(
      'unknown_key',
      `signed by an unknown certificate (key fingerprint ${leafFingerprint})`,
      leafFingerprint,
    );

  let verified = false;
  try {
    verified = check(chain[0].publicKey, env.signingInput, env.signature);
  } catch {
    verified = false;
  }
  if (!verified) return fail('invalid', `the ${name} signature does not verify with its certificate`, leafFingerprint);

  for (const cert of [...chain, anchor.cert]) {
    const problem = validityProblem(cert, expected.now);
    if (problem) return fail('expired', problem, leafFingerprint);
  }
  if (env.expiry !== null) {
    if (Number.isNaN(env.expiry)) return fail('invalid', 'the signed attribute expiry is not a time');
    if (env.expiry < expected.now.getTime())
      return fail('expired', `the signature expired on ${new Date(env.expiry).toISOString()}`, leafFingerprint);
  }
  let target: { digest?: unknown } | undefined;
  try {
    target = (JSON.parse(env.payload.toString('utf8')) as { targetArtifact?: { digest?: unknown } } | null)
      ?.targetArtifact;
  } catch {
    target = undefined;
  }
  if (typeof target?.digest !== 'string') return fail('invalid', 'the payload has no targetArtifact digest');
  if (target.digest !== expected.digest)
    return fail('other_digest', `signature for another digest (${target.digest}), not ${expected.digest}`);
  return {
    format: 'notation',
    manifest,
    valid: true,
    message: `verified with trusted certificate ${anchor.name} (${name})`,
    keyName: anchor.name,
    fingerprint: leafFingerprint,
  };
}
