/** Errors of the Kubernetes feature's services; the API and CLI map them to their own shapes. */

export class KubeNotFoundError extends Error {
  constructor(
    message: string,
    /** The input field that named what is missing, when one did. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'KubeNotFoundError';
  }
}

/** A name already taken, or a record still in use. */
export class KubeConflictError extends Error {
  constructor(
    message: string,
    /** The input field holding the taken name, when one did. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'KubeConflictError';
  }
}

/** Bad input, naming the field. */
export class KubeInvalidError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeInvalidError';
  }
}
