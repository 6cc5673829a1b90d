/**
 * Management API errors in Harbor's shape: `{"errors":[{"code","message"}]}`,
 * plus `field` when one input field is at fault (the console marks it). The
 * codes and statuses are rows of the one table, src/http/shared/error-table.ts.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
    /** The request field at fault, e.g. `address` or `robot.project`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message);
export const notFound = (message: string) => new ApiError(404, 'NOT_FOUND', message);
export const conflict = (message: string) => new ApiError(409, 'CONFLICT', message);
export const unauthorized = (message = 'authentication required') => new ApiError(401, 'UNAUTHORIZED', message);
export const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);

export { apiErrorBody } from '../shared/error-table.ts';

/** A 400 naming the field at fault. */
export const invalidField = (field: string, message: string) =>
  new ApiError(400, 'BAD_REQUEST', message, undefined, field);
export const tooManyRequests = (message: string, retryAfter: string) =>
  new ApiError(429, 'TOO_MANY_REQUESTS', message, { 'retry-after': retryAfter });
