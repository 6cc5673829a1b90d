/**
 * The Bearer challenge of /v2 refusals: where a client gets a token and for
 * which service. One definition for the gate and for the version checks
 * `serve` answers before the gate exists (src/server/door.ts).
 */
import type { IncomingMessage } from 'node:http';

/** The `service` of Berth's registry tokens (their audience). */
export const TOKEN_SERVICE = 'berth';

/** `auth.token_realm` when configured, otherwise /service/token on the host and scheme the client used. */
export function tokenRealm(req: IncomingMessage, configured?: string | null): string {
  if (configured) return configured;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted;
  return `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}/service/token`;
}

/** The `WWW-Authenticate` value (scope: `repository:NAME:ACTIONS`). */
export function bearerChallenge(realm: string, service: string, scope?: string, error?: string): string {
  let value = `Bearer realm="${realm}",service="${service}"`;
  if (scope) value += `,scope="${scope}"`;
  if (error) value += `,error="${error}"`;
  return value;
}
