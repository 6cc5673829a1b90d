/** Names and errors between a proxy project and its upstream. */
import { RegistryError } from '../../core/errors.ts';
import { UpstreamError } from '../registries/client.ts';
import type { RegistryRecord } from '../registries/types.ts';

/** `<project>/<rest>` → the upstream repository (Docker Hub's `library/` for one-word names). */
export function upstreamRepository(registry: RegistryRecord, rest: string): string {
  if (registry.type === 'docker-hub' && !rest.includes('/')) return `library/${rest}`;
  return rest;
}

/** A clear client error naming the upstream and what went wrong (never a 500). */
export function upstreamFailed(registry: RegistryRecord, err: unknown): RegistryError {
  const why = err instanceof Error ? err.message : String(err);
  const kind = err instanceof UpstreamError ? err.failure : 'invalid';
  return new RegistryError(
    'UPSTREAM_UNAVAILABLE',
    `upstream registry ${registry.name} (${registry.url}) failed: ${why}`,
    {
      upstream: registry.name,
      failure: kind,
    },
  );
}

/** Content the upstream sent that Berth refused to store (wrong digest, bad manifest, truncated body). */
export function invalidFromUpstream(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  return new UpstreamError('invalid', `the upstream sent invalid content: ${(err as Error).message}`);
}
