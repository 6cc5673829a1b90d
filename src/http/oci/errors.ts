/** /v2's view of the one error table (src/http/shared/error-table.ts). */
import type { OciErrorCode } from '../../core/errors.ts';
import { ociError, ociErrorBody } from '../shared/error-table.ts';

export function httpError(code: OciErrorCode): { status: number; code: string } {
  return ociError(code);
}

export const errorBody = ociErrorBody;
