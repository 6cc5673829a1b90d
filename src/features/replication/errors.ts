/** Replication errors the API turns into 400 (naming the field), 404, 409 and 412. */
export class ReplicationInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReplicationInputError';
  }
}

export class ReplicationNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationNotFoundError';
  }
}

export class ReplicationConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationConflictError';
  }
}

/** The policy has a running execution (Harbor answers 412 to a delete then). */
export class ReplicationBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationBusyError';
  }
}
