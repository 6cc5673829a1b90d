/** Notary Project signed attributes and the envelope both serialisations are read into. */
export const SCHEME = 'io.cncf.notary.signingScheme';
export const SIGNING_TIME = 'io.cncf.notary.signingTime';
export const EXPIRY = 'io.cncf.notary.expiry';

/** A notation envelope once read, whatever its serialisation. */
export interface NotaryEnvelope {
  kind: 'JWS' | 'COSE';
  /** JOSE name of the algorithm (PS256, ES384, ...). */
  alg: string;
  contentType: unknown;
  scheme: unknown;
  /** Names of the critical signed attributes (COSE integer labels already left out). */
  critical: unknown[] | null;
  hasExpiry: boolean;
  /** ms since the epoch; NaN when present but not a time. */
  signingTime: number;
  expiry: number | null;
  /** DER certificates, leaf first. */
  chain: Buffer[];
  signingInput: Buffer;
  signature: Buffer;
  /** The signed payload's JSON bytes. */
  payload: Buffer;
}
