/**
 * Domain errors. Each carries a stable OCI error code; the HTTP layer maps
 * codes to statuses in one table (src/http/oci/errors.ts).
 */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'RANGE_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'PAGINATION_NUMBER_INVALID'
  /** A pull gate (signatures, vulnerabilities) refuses the artifact: Harbor's 412. */
  | 'PRECONDITION_FAILED';

export class RegistryError extends Error {
  readonly code: OciErrorCode;
  readonly detail?: unknown;
  /** Protocol hints the edge should pass on (e.g. a WWW-Authenticate challenge). */
  readonly headers?: Record<string, string>;
  constructor(
    code: OciErrorCode,
    message: string,
    detail?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'RegistryError';
    this.code = code;
    this.detail = detail;
    this.headers = options?.headers;
  }
}

export const blobUnknown = (digest: string) =>
  new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
export const manifestUnknown = (reference: string) =>
  new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', { reference });
export const nameUnknown = (name: string) =>
  new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
export const uploadUnknown = (id: string) =>
  new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { id });
export const digestInvalid = (message: string, detail?: unknown) =>
  new RegistryError('DIGEST_INVALID', message, detail);
export const manifestInvalid = (message: string, detail?: unknown) =>
  new RegistryError('MANIFEST_INVALID', message, detail);
