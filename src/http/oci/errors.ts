/** The one table from domain error codes to HTTP statuses and wire codes for /v2. */
import type { OciErrorCode } from '../../core/errors.ts';

const TABLE: Record<OciErrorCode, { status: number; code: string }> = {
  BLOB_UNKNOWN: { status: 404, code: 'BLOB_UNKNOWN' },
  BLOB_UPLOAD_INVALID: { status: 400, code: 'BLOB_UPLOAD_INVALID' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  DIGEST_INVALID: { status: 400, code: 'DIGEST_INVALID' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' },
  MANIFEST_INVALID: { status: 400, code: 'MANIFEST_INVALID' },
  MANIFEST_UNKNOWN: { status: 404, code: 'MANIFEST_UNKNOWN' },
  NAME_INVALID: { status: 400, code: 'NAME_INVALID' },
  NAME_UNKNOWN: { status: 404, code: 'NAME_UNKNOWN' },
  SIZE_INVALID: { status: 400, code: 'SIZE_INVALID' },
  UNAUTHORIZED: { status: 401, code: 'UNAUTHORIZED' },
  DENIED: { status: 403, code: 'DENIED' },
  UNSUPPORTED: { status: 415, code: 'UNSUPPORTED' },
  TOOMANYREQUESTS: { status: 429, code: 'TOOMANYREQUESTS' },
  // Chunks out of order: the spec's 416 with the upload-invalid code.
  RANGE_INVALID: { status: 416, code: 'BLOB_UPLOAD_INVALID' },
  MANIFEST_TOO_LARGE: { status: 413, code: 'MANIFEST_INVALID' },
  PAGINATION_NUMBER_INVALID: { status: 400, code: 'PAGINATION_NUMBER_INVALID' },
  PRECONDITION_FAILED: { status: 412, code: 'DENIED' },
};

export function httpError(code: OciErrorCode): { status: number; code: string } {
  return TABLE[code];
}

export function errorBody(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, detail: detail ?? {} }] });
}
