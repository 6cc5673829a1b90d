/**
 * The disabled twin: a server without the signing feature must not pretend
 * to gate. Its trusted-key routes answer "not enabled", and switching
 * Harbor's content-trust metadata on is refused rather than stored and
 * ignored (fail closed).
 */
export const SIGNING_NOT_ENABLED = 'signature verification is not enabled on this server';

export class SigningDisabledError extends Error {
  constructor() {
    super(SIGNING_NOT_ENABLED);
    this.name = 'SigningDisabledError';
  }
}
