/**
 * The one error table of Berth's HTTP APIs. Every domain error code (the
 * core's RegistryError codes) has one row: its status and wire code on /v2
 * (the distribution spec's table) and on /api/v2.0 (Harbor's codes). The
 * management API's own codes are rows of MANAGEMENT below. A code missing a
 * row does not compile (Record over the union); tests check the rows against
 * the distribution spec (test/api/error-table.test.ts).
 */
import type { OciErrorCode } from '../../core/errors.ts';

export interface WireError {
  status: number;
  code: string;
}

/** The management API's codes (Harbor's), each with its one status. */
export const MANAGEMENT = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  /** A feature that is not configured (its disabled twin answers). */
  NOT_ENABLED: 501,
} as const;
export type ManagementCode = keyof typeof MANAGEMENT;

const api = (code: ManagementCode): WireError => ({ status: MANAGEMENT[code], code });

/** Domain code -> { oci: /v2 answer, api: /api/v2.0 answer }. */
export const ERROR_TABLE: Record<OciErrorCode, { oci: WireError; api: WireError }> = {
  BLOB_UNKNOWN: { oci: { status: 404, code: 'BLOB_UNKNOWN' }, api: api('NOT_FOUND') },
  BLOB_UPLOAD_INVALID: { oci: { status: 400, code: 'BLOB_UPLOAD_INVALID' }, api: api('BAD_REQUEST') },
  BLOB_UPLOAD_UNKNOWN: { oci: { status: 404, code: 'BLOB_UPLOAD_UNKNOWN' }, api: api('NOT_FOUND') },
  DIGEST_INVALID: { oci: { status: 400, code: 'DIGEST_INVALID' }, api: api('BAD_REQUEST') },
  MANIFEST_BLOB_UNKNOWN: { oci: { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' }, api: api('BAD_REQUEST') },
  MANIFEST_INVALID: { oci: { status: 400, code: 'MANIFEST_INVALID' }, api: api('BAD_REQUEST') },
  MANIFEST_UNKNOWN: { oci: { status: 404, code: 'MANIFEST_UNKNOWN' }, api: api('NOT_FOUND') },
  NAME_INVALID: { oci: { status: 400, code: 'NAME_INVALID' }, api: api('BAD_REQUEST') },
  NAME_UNKNOWN: { oci: { status: 404, code: 'NAME_UNKNOWN' }, api: api('NOT_FOUND') },
  SIZE_INVALID: { oci: { status: 400, code: 'SIZE_INVALID' }, api: api('BAD_REQUEST') },
  UNAUTHORIZED: { oci: { status: 401, code: 'UNAUTHORIZED' }, api: api('UNAUTHORIZED') },
  DENIED: { oci: { status: 403, code: 'DENIED' }, api: api('FORBIDDEN') },
  // A media type or digest algorithm Berth does not take.
  UNSUPPORTED: { oci: { status: 415, code: 'UNSUPPORTED' }, api: api('UNSUPPORTED_MEDIA_TYPE') },
  TOOMANYREQUESTS: { oci: { status: 429, code: 'TOOMANYREQUESTS' }, api: api('TOO_MANY_REQUESTS') },
  // Chunks out of order: the spec's 416 with the upload-invalid code.
  RANGE_INVALID: { oci: { status: 416, code: 'BLOB_UPLOAD_INVALID' }, api: api('BAD_REQUEST') },
  MANIFEST_TOO_LARGE: { oci: { status: 413, code: 'MANIFEST_INVALID' }, api: api('PAYLOAD_TOO_LARGE') },
  PAGINATION_NUMBER_INVALID: { oci: { status: 400, code: 'PAGINATION_NUMBER_INVALID' }, api: api('BAD_REQUEST') },
  // The protocol's own refusals: no such /v2 endpoint (404), a method the
  // endpoint does not take (405), a token scope Berth cannot parse (400).
  ENDPOINT_UNKNOWN: { oci: { status: 404, code: 'UNSUPPORTED' }, api: api('NOT_FOUND') },
  METHOD_UNSUPPORTED: { oci: { status: 405, code: 'UNSUPPORTED' }, api: api('METHOD_NOT_ALLOWED') },
  SCOPE_INVALID: { oci: { status: 400, code: 'UNSUPPORTED' }, api: api('BAD_REQUEST') },
  // A value the metadata store cannot hold (a NUL character, a number out of range): never a 500.
  INPUT_INVALID: { oci: { status: 400, code: 'UNSUPPORTED' }, api: api('BAD_REQUEST') },
  // The spec's answer for a delete the registry does not allow: a manifest still references the blob.
  BLOB_REFERENCED: { oci: { status: 405, code: 'UNSUPPORTED' }, api: api('CONFLICT') },
  // Distribution's code for a registry that cannot serve now; the status says why (507: no space left).
  STORAGE_FULL: { oci: { status: 507, code: 'UNAVAILABLE' }, api: api('INSUFFICIENT_STORAGE') },
  STORAGE_UNAVAILABLE: { oci: { status: 503, code: 'UNAVAILABLE' }, api: api('SERVICE_UNAVAILABLE') },
  // A pull gate (signatures, vulnerabilities) refuses the artifact: Harbor's 412 with DENIED.
  PRECONDITION_FAILED: { oci: { status: 412, code: 'DENIED' }, api: api('PRECONDITION') },
  // A tag an immutable tag rule protects would move or go: Harbor's 412.
  TAG_IMMUTABLE: { oci: { status: 412, code: 'DENIED' }, api: api('PRECONDITION') },
  // A proxy cache's upstream failed and nothing cached could answer: 502 naming the upstream's failure.
  UPSTREAM_UNAVAILABLE: { oci: { status: 502, code: 'UNAVAILABLE' }, api: api('BAD_GATEWAY') },
};

export const ociError = (code: OciErrorCode): WireError => ERROR_TABLE[code].oci;
export const apiError = (code: OciErrorCode): WireError => ERROR_TABLE[code].api;

/** The OCI body: `{"errors":[{"code","message","detail"}]}`. */
export function ociErrorBody(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, detail: detail ?? {} }] });
}

/** Harbor's body: `{"errors":[{"code","message"}]}`, plus `field` when one input field is at fault. */
export function apiErrorBody(code: string, message: string, field?: string) {
  return { errors: [{ code, message, ...(field ? { field } : {}) }] };
}
