/** The disabled twin: without the signing feature, every signing route answers "not enabled" (fail closed). */
export class SigningDisabledError extends Error {
  constructor() {
    super('signature verification is not enabled on this server');
    this.name = 'SigningDisabledError';
  }
}

export const disabledSigning = {
  enabled: false as const,
  fail(): never {
    throw new SigningDisabledError();
  },
};
