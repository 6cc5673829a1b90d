/**
 * Loopback networking helpers: free ports, waiting for a server, tiny HTTP
 * requests with a keep-alive agent.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

/** A free TCP port on 127.0.0.1 (never 5000). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port !== 5000 && port > 1024) return port;
  }
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request; the whole response body is buffered (small bodies only). */
export function request(
  method: string,
  url: string,
  opts: { headers?: http.OutgoingHttpHeaders; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const headers: http.OutgoingHttpHeaders = { ...opts.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    else if (method === 'PUT' || method === 'POST' || method === 'PATCH') headers['content-length'] = 0;
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    req.end(body);
  });
}

/**
 * Polls `url` until it answers 200; returns the milliseconds from `t0`
 * (hrtime) to that answer. Fails after `timeoutMs` or when `alive()` is false.
 */
export async function waitFor200(url: string, t0: bigint, alive: () => boolean, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const plain = new http.Agent({ keepAlive: false });
  for (;;) {
    if (!alive()) throw new Error(`server exited before ${url} answered 200`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(url, { agent: plain }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => req.destroy());
    });
    if (ok) return Number(process.hrtime.bigint() - t0) / 1e6;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves a Location header against the base URL of the registry. */
export function resolveLocation(base: string, location: string | string[] | undefined): string {
  if (!location || Array.isArray(location)) throw new Error(`missing Location header (${String(location)})`);
  return new URL(location, base).toString();
}

/** Appends a query parameter to a URL that may already have a query. */
export function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

/** `sha256:` digest of `bytes`. */
export const sha256Digest = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pushes `blob` to `repo` on the registry at `base` in one upload (POST, then PUT ?digest=); returns its digest. */
export async function pushBlob(base: string, repo: string, blob: Buffer): Promise<string> {
  const digest = sha256Digest(blob);
  const start = await request('POST', `${base}/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`start upload on ${base}: ${start.status} ${start.body}`);
  const location = new URL(String(start.headers.location), base);
  location.searchParams.set('digest', digest);
  const put = await request('PUT', location.href, {
    body: blob,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`push blob to ${base}: ${put.status} ${put.body}`);
  return digest;
}

/** GETs `url` and reads the body to its end without keeping it; resolves to its length (rejects unless 200). */
export function drainBody(url: string, onChunk?: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          onChunk?.(c);
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${url}: ${res.statusCode}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
