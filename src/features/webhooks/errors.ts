/** Webhook errors the API turns into 400 (naming the field), 404 and 409. */
export class WebhookInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookInputError';
  }
}

export class WebhookNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookNotFoundError';
  }
}

export class WebhookConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConflictError';
  }
}

/** The feature is not configured: every call is refused (fail closed). */
export class WebhooksDisabledError extends Error {
  constructor() {
    super('webhooks are not enabled on this server');
    this.name = 'WebhooksDisabledError';
  }
}
