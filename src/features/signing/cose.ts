/**
 * Notation's COSE_Sign1 envelope (`application/cose`, RFC 9052) read into a
 * NotaryEnvelope: protected header {1: alg, 2: crit, 3: content type,
 * signingScheme, signingTime and expiry as epoch-time tags}, unprotected
 * {33: x5chain}, payload, signature over the Sig_structure
 * ["Signature1", protected, h'', payload].
 */
import { type CborValue, decodeCbor, encodeCbor, Tagged } from './cbor.ts';
import { EXPIRY, type NotaryEnvelope, SCHEME, SIGNING_TIME } from './notary-envelope.ts';

const COSE_ALGORITHMS: Record<number, string> = {
  [-37]: 'PS256',
  [-38]: 'PS384',
  [-39]: 'PS512',
  [-7]: 'ES256',
  [-35]: 'ES384',
  [-36]: 'ES512',
};
const COSE_SIGN1_TAG = 18;
const X5CHAIN = 33;

/** A time attribute: tag 1 (epoch seconds) or tag 0 (RFC 3339 text); NaN otherwise. */
function timeOf(v: CborValue | undefined): number {
  if (v instanceof Tagged && v.tag === 1 && typeof v.value === 'number') return v.value * 1000;
  if (v instanceof Tagged && v.tag === 0 && typeof v.value === 'string') return Date.parse(v.value);
  return Number.NaN;
}

export function readCose(bytes: Buffer): NotaryEnvelope | string {
  let root: CborValue;
  try {
    root = decodeCbor(bytes);
  } catch (err) {
    return `the COSE envelope is not CBOR (${(err as Error).message})`;
  }
  const sign1 = root instanceof Tagged && root.tag === COSE_SIGN1_TAG ? root.value : root;
  if (!Array.isArray(sign1) || sign1.length !== 4) return 'the COSE envelope is not a COSE_Sign1 array';
  const [protectedBytes, unprotected, payload, signature] = sign1;
  if (!Buffer.isBuffer(protectedBytes) || !Buffer.isBuffer(payload) || !Buffer.isBuffer(signature))
    return 'the COSE_Sign1 fields are not byte strings (a detached payload is not supported)';
  if (!(unprotected instanceof Map)) return 'the COSE unprotected header is not a map';
  let header: CborValue;
  try {
    header = decodeCbor(protectedBytes);
  } catch {
    return 'the COSE protected header is not CBOR';
  }
  if (!(header instanceof Map)) return 'the COSE protected header is not a map';
  const crit = header.get(2);
  const chain = unprotected.get(X5CHAIN);
  const certs = Buffer.isBuffer(chain) ? [chain] : Array.isArray(chain) ? chain : [];
  if (!certs.every((c) => Buffer.isBuffer(c))) return 'the COSE x5chain holds something other than certificates';
  const alg = header.get(1);
  return {
    kind: 'COSE',
    alg: typeof alg === 'number' ? (COSE_ALGORITHMS[alg] ?? `COSE algorithm ${alg}`) : String(alg),
    contentType: header.get(3),
    scheme: header.get(SCHEME),
    // Integer labels (alg, content type, …) are COSE's own and always understood.
    critical: Array.isArray(crit) ? crit.filter((c) => typeof c !== 'number') : null,
    hasExpiry: header.has(EXPIRY),
    signingTime: timeOf(header.get(SIGNING_TIME)),
    expiry: header.has(EXPIRY) ? timeOf(header.get(EXPIRY)) : null,
    chain: certs as Buffer[],
    signingInput: encodeCbor(['Signature1', protectedBytes, Buffer.alloc(0), payload]),
    signature,
    payload,
  };
}
