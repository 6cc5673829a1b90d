/** Maps the core's errors to management API errors: registry codes through the one table, use-case refusals by kind. */
import { Refusal, type RefusalKind } from '../../core/access/refusal.ts';
import { RegistryError } from '../../core/errors.ts';
import { apiError, MANAGEMENT, type ManagementCode } from '../shared/error-table.ts';
import { ApiError } from './errors.ts';

const REFUSAL_CODE: Record<RefusalKind, ManagementCode> = {
  invalid: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
};

/** The ApiError for a RegistryError (every code has a row); null for anything else. */
export function apiErrorFromRegistry(err: unknown): ApiError | null {
  if (err instanceof Refusal) {
    const code = REFUSAL_CODE[err.kind];
    return new ApiError(MANAGEMENT[code], code, err.message, undefined, err.field);
  }
  if (!(err instanceof RegistryError)) return null;
  const mapped = apiError(err.code);
  // Only Retry-After crosses over: a /v2 challenge header would make browsers prompt.
  const retry = err.headers?.['retry-after'];
  return new ApiError(mapped.status, mapped.code, err.message, retry ? { 'retry-after': retry } : undefined);
}
