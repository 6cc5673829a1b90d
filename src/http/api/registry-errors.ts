/** Maps the core's registry errors to management API errors. */
import { RegistryError } from '../../core/errors.ts';
import { ApiError } from './errors.ts';

const STATUS: Record<string, [number, string]> = {
  NAME_UNKNOWN: [404, 'NOT_FOUND'],
  MANIFEST_UNKNOWN: [404, 'NOT_FOUND'],
  BLOB_UNKNOWN: [404, 'NOT_FOUND'],
  NAME_INVALID: [400, 'BAD_REQUEST'],
  MANIFEST_INVALID: [400, 'BAD_REQUEST'],
  DIGEST_INVALID: [400, 'BAD_REQUEST'],
  TAG_INVALID: [400, 'BAD_REQUEST'],
  MANIFEST_BLOB_UNKNOWN: [400, 'BAD_REQUEST'],
  UNAUTHORIZED: [401, 'UNAUTHORIZED'],
  DENIED: [403, 'FORBIDDEN'],
  TOOMANYREQUESTS: [429, 'TOO_MANY_REQUESTS'],
  PRECONDITION_FAILED: [412, 'PRECONDITION'],
};

/** The ApiError for a RegistryError the management API can explain; null otherwise. */
export function apiErrorFromRegistry(err: unknown): ApiError | null {
  if (!(err instanceof RegistryError)) return null;
  const mapped = STATUS[err.code];
  return mapped ? new ApiError(mapped[0], mapped[1], err.message) : null;
}
