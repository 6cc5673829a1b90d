/**
 * A use case refused for a reason the caller can fix or must be told: the
 * management API answers it by kind (400, 403, 404, 409; `field` names the
 * input at fault), the CLI prints the message. HTTP-free, so the same rule
 * reads the same from both.
 */
export type RefusalKind = 'invalid' | 'forbidden' | 'notFound' | 'conflict';

export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** Who asks, for the audit log. */
export interface Actor {
  name: string;
  address: string;
}
