/** Maps the core's registry errors to management API errors through the one table. */
import { RegistryError } from '../../core/errors.ts';
import { apiError } from '../shared/error-table.ts';
import { ApiError } from './errors.ts';

/** The ApiError for a RegistryError (every code has a row); null for anything else. */
export function apiErrorFromRegistry(err: unknown): ApiError | null {
  if (!(err instanceof RegistryError)) return null;
  const mapped = apiError(err.code);
  // Only Retry-After crosses over: a /v2 challenge header would make browsers prompt.
  const retry = err.headers?.['retry-after'];
  return new ApiError(mapped.status, mapped.code, err.message, retry ? { 'retry-after': retry } : undefined);
}
