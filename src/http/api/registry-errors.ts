/** Maps the core's errors to management API errors: registry codes through the one table, use-case refusals by kind. */
import { RobotError } from '../../core/access/robot-service.ts';
import { RegistryError } from '../../core/errors.ts';
import { apiError } from '../shared/error-table.ts';
import { ApiError } from './errors.ts';

/** The ApiError for a RegistryError (every code has a row); null for anything else. */
export function apiErrorFromRegistry(err: unknown): ApiError | null {
  if (err instanceof RobotError)
    return err.kind === 'conflict'
      ? new ApiError(409, 'CONFLICT', err.message, undefined, err.field)
      : new ApiError(400, 'BAD_REQUEST', err.message, undefined, err.field);
  if (!(err instanceof RegistryError)) return null;
  const mapped = apiError(err.code);
  // Only Retry-After crosses over: a /v2 challenge header would make browsers prompt.
  const retry = err.headers?.['retry-after'];
  return new ApiError(mapped.status, mapped.code, err.message, retry ? { 'retry-after': retry } : undefined);
}
