/**
 * A client's version check (`GET /v2/` or HEAD) answered without the
 * registry: it needs no store and no key. With authentication off the answer
 * is 200; with it on and no credentials, the 401 challenge that starts a
 * client's token dance. A request that carries credentials is not answered
 * here (verifying them needs the keys and the accounts). `serve` answers these
 * while the app loads (src/server/door.ts); the headers and bodies are the /v2
 * routes' own (test/startup-door.test.ts compares the two).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../../core/errors.ts';
import { bearerChallenge, TOKEN_SERVICE, tokenRealm } from '../access/challenge.ts';
import { registryHeaderPairs } from '../security-headers.ts';
import { sendError, sendJson } from './respond.ts';

export interface VersionCheckAuth {
  enabled: boolean;
  token_realm?: string | null;
}

/** `GET`/`HEAD /v2/`, with or without a query (`?ns=` of the mirror path). */
export function isVersionCheck(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url ?? '';
  return url === '/v2/' || url.startsWith('/v2/?');
}

/** Answers `req` when it is a version check that needs no credentials checked; false (nothing sent) otherwise. */
export function answerVersionCheck(req: IncomingMessage, res: ServerResponse, auth: VersionCheckAuth): boolean {
  if (!isVersionCheck(req) || (auth.enabled && req.headers.authorization)) return false;
  for (const [name, value] of registryPairs()) res.setHeader(name, value);
  if (!auth.enabled) sendJson(res, 200, {});
  else {
    const challenge = bearerChallenge(tokenRealm(req, auth.token_realm), TOKEN_SERVICE);
    const refusal = new RegistryError(
      'UNAUTHORIZED',
      'authentication required',
      {},
      { headers: { 'www-authenticate': challenge } },
    );
    sendError(res, refusal, () => undefined);
  }
  return true;
}

let pairs: ReadonlyArray<readonly [string, string]> | null = null;
function registryPairs(): ReadonlyArray<readonly [string, string]> {
  pairs ??= registryHeaderPairs();
  return pairs;
}
