/** Small response helpers of the registry client. */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { UpstreamError } from './client.ts';

/** Reads a response body of at most `limit` bytes; `invalid` beyond it (declared or actual). */
export async function readLimited(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    res.destroy();
    throw new UpstreamError('invalid', `${what} is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw new UpstreamError('invalid', `${what} is larger than ${limit} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    throw new UpstreamError('unreachable', `${what}: the transfer broke (${(err as Error).message})`);
  }
  if (declared !== undefined && size !== Number(declared))
    throw new UpstreamError('invalid', `${what} was truncated (${size} of ${declared} bytes)`);
  return Buffer.concat(chunks, size);
}

/** The UpstreamError for an unexpected status, with the registry's error message when it sent one. */
export async function statusError(res: IncomingMessage, what: string): Promise<UpstreamError> {
  const status = res.statusCode ?? 0;
  let detail = '';
  try {
    const text = (await readLimited(res, 64 * 1024, what)).toString('utf8');
    const body = JSON.parse(text);
    detail = body?.errors?.[0]?.message ? `: ${body.errors[0].message}` : '';
  } catch {
    // No readable error body.
  }
  const failure =
    status === 429
      ? 'throttled'
      : status >= 500
        ? 'server'
        : status === 401 || status === 403
          ? 'unauthorized'
          : 'status';
  return new UpstreamError(failure, `${what}: the upstream answered HTTP ${status}${detail}`, status);
}

/** The first `length` bytes of `source` (which is destroyed after). */
export function takeBytes(source: Readable, length: number): Readable {
  let left = length;
  return Readable.from(
    (async function* () {
      try {
        for await (const chunk of source) {
          const c = chunk as Buffer;
          if (c.length >= left) {
            yield c.subarray(0, left);
            left = 0;
            break;
          }
          left -= c.length;
          yield c;
        }
      } finally {
        source.destroy();
      }
    })(),
  );
}
