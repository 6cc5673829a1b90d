/** Raw response helpers for /v2: the hot paths skip Fastify's serialisation. */
import type { ServerResponse } from 'node:http';
import { RegistryError } from '../../core/errors.ts';
import { errorBody, httpError } from './errors.ts';

export type Headers = Record<string, string | number>;

/** Sends a whole response. `headers` is the caller's fresh object: completed in place, not copied (hot path). */
export function send(res: ServerResponse, status: number, headers: Headers, body?: Buffer | string): void {
  headers['docker-distribution-api-version'] = 'registry/2.0';
  if (headers['content-length'] === undefined)
    headers['content-length'] = body === undefined ? 0 : Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(value));
}

/** Sends an error as the OCI JSON body. Unknown errors become a logged 500. */
export function sendError(res: ServerResponse, err: unknown, onUnexpected: (err: unknown) => void): void {
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  if (err instanceof RegistryError) {
    const { status, code } = httpError(err.code);
    const headers: Headers = { 'content-type': 'application/json' };
    // A request body left unread would be parsed as the next request: close instead.
    if (!res.req.complete) headers.connection = 'close';
    send(res, status, { ...headers, ...(err.headers ?? {}) }, errorBody(code, err.message, err.detail));
    return;
  }
  onUnexpected(err);
  send(
    res,
    500,
    { 'content-type': 'application/json', connection: 'close' },
    errorBody('UNKNOWN', 'internal server error'),
  );
}
