/**
 * Audits the browsing routes' edits (tag added or removed, artifact deleted)
 * like the /v2 audit hook does pushes and deletions: successes, and refusals
 * (403) as failures. Other errors (404, 409, 400) change nothing and are not
 * logged, as on /v2.
 */
import type { FastifyRequest } from 'fastify';
import type { CatalogEdit, CatalogOptions } from './catalog-context.ts';
import { ApiError } from './errors.ts';
import { apiErrorFromRegistry } from './registry-errors.ts';

/** `name:tag` or `name@digest`, as /v2 audit lines name a manifest. */
export const manifestResource = (repository: string, reference: string) =>
  `${repository}${reference.includes(':') ? '@' : ':'}${reference}`;

function refused(err: unknown): boolean {
  const known = err instanceof ApiError ? err : apiErrorFromRegistry(err);
  return known?.status === 403;
}

/**
 * Runs `act`, then audits it. `edit` is what the refusal is logged as; `act`
 * may return a more precise resource for the success (a digest once resolved).
 */
export async function audited<T>(
  options: CatalogOptions,
  request: FastifyRequest,
  edit: Omit<CatalogEdit, 'result'>,
  act: () => Promise<{ value: T; resource?: string }>,
): Promise<T> {
  let done: { value: T; resource?: string };
  try {
    done = await act();
  } catch (err) {
    if (refused(err)) await options.audit?.(request, { ...edit, result: 'failure' });
    throw err;
  }
  await options.audit?.(request, { ...edit, resource: done.resource ?? edit.resource, result: 'success' });
  return done.value;
}
