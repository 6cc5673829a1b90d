/**
 * The one `RegistryClient` adapter, over node:http/https: follows the
 * registry's `WWW-Authenticate` challenge (Basic, or a Bearer token from the
 * realm, per scope), redirects (GET/HEAD; each hop checked against the
 * address policy, credentials never sent to another host), `insecure` TLS or
 * a pinned CA, connect/idle timeouts, and keep-alive connections.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { basicHeader, type Challenge, parseChallenge, repositoryScope, TokenCache } from './auth.ts';
import {
  type AddressPolicy,
  type BlobFetch,
  type ManifestFetch,
  type ManifestHead,
  type PingResult,
  type PushBlobOptions,
  type RegistryClient,
  type UploadProgress,
  UpstreamError,
} from './client.ts';
import { readLimited, statusError, takeBytes } from './http-util.ts';
import type { RegistryEndpoint } from './types.ts';

/** Manifest media types asked for (OCI and Docker v2 images and indexes). */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const DEFAULT_MAX_MANIFEST = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface HttpClientOptions {
  policy?: AddressPolicy;
  /** No response headers within this many ms: `timeout` (default 15 s). */
  responseTimeoutMs?: number;
  /** No bytes moving on the connection for this many ms: `timeout` (default 30 s). */
  idleTimeoutMs?: number;
  userAgent?: string;
}

interface Call {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the base URL (`/v2/…`) or an absolute URL (upload locations). */
  target: string;
  /** Space-separated token scopes. */
  scope: string;
  headers?: Record<string, string | number>;
  body?: Buffer | (() => Promise<Readable> | Readable);
  follow?: boolean;
}

const allowAll: AddressPolicy = { assertAllowed: async () => {} };

export class HttpRegistryClient implements RegistryClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly tokens = new TokenCache();
  private challenge: Challenge | null = null;
  private readonly policy: AddressPolicy;
  private readonly responseTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly userAgent: string;

  constructor(
    private readonly endpoint: RegistryEndpoint,
    options: HttpClientOptions = {},
  ) {
    this.base = new URL(endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`);
    this.policy = options.policy ?? allowAll;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 15_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'berth-registry-client';
    const common = { keepAlive: true, maxSockets: 32, lookup: this.policy.lookup };
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            ...common,
            rejectUnauthorized: !endpoint.insecure,
            ...(endpoint.caCertificate ? { ca: endpoint.caCertificate } : {}),
          })
        : new http.Agent(common);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  // ------------------------------------------------------------ reads

  async ping(): Promise<PingResult> {
    try {
      const res = await this.call({ method: 'GET', target: '/v2/', scope: '' });
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 200) return { ok: true, status, message: 'the registry answered' };
      if (status === 401 || status === 403)
        return { ok: false, status, message: 'the registry refused the credentials' };
      return { ok: false, status, message: `the registry answered HTTP ${status} to /v2/` };
    } catch (err) {
      return { ok: false, status: 0, message: (err as Error).message };
    }
  }

  async catalog(page: { n?: number; last?: string } = {}): Promise<string[]> {
    const q = new URLSearchParams();
    if (page.n !== undefined) q.set('n', String(page.n));
    if (page.last) q.set('last', page.last);
    const res = await this.call({
      method: 'GET',
      target: `/v2/_catalog${q.size ? `?${q}` : ''}`,
      scope: 'registry:catalog:*',
    });
    if (res.statusCode !== 200) throw await statusError(res, 'catalog');
    const body = JSON.parse((await readLimited(res, 16 * 1024 * 1024, 'catalog')).toString('utf8'));
    return Array.isArray(body.repositories) ? body.repositories : [];
  }

  async tags(repository: string): Promise<string[]> {
    const out: string[] = [];
    let target: string | null = `/v2/${repository}/tags/list?n=1000`;
    for (let pages = 0; target && pages < 100; pages++) {
      const res = await this.call({ method: 'GET', target, scope: repositoryScope(repository, 'pull') });
      if (res.statusCode === 404) {
        res.resume();
        return out;
      }
      if (res.statusCode !== 200) throw await statusError(res, `tags of ${repository}`);
      const body = JSON.parse((await readLimited(res, 16 * 1024 * 1024, 'tag list')).toString('utf8'));
      if (Array.isArray(body.tags)) out.push(...body.tags);
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
      target = link ? (link[1] as string) : null;
    }
    return out;
  }

  async headManifest(repository: string, reference: string): Promise<ManifestHead | null> {
    const res = await this.call({
      method: 'HEAD',
      target: `/v2/${repository}/manifests/${reference}`,
      scope: repositoryScope(repository, 'pull'),
      headers: { accept: MANIFEST_ACCEPT },
      follow: true,
    });
    res.resume();
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) throw await statusError(res, `manifest ${repository}:${reference}`);
    const length = res.headers['content-length'];
    return {
      digest: headerText(res.headers['docker-content-digest']),
      mediaType: headerText(res.headers['content-type']) ?? '',
      size: length === undefined ? null : Number(length),
    };
  }

  async getManifest(
    repository: string,
    reference: string,
    maxBytes = DEFAULT_MAX_MANIFEST,
  ): Promise<ManifestFetch | null> {
    const res = await this.call({
      method: 'GET',
      target: `/v2/${repository}/manifests/${reference}`,
      scope: repositoryScope(repository, 'pull'),
      headers: { accept: MANIFEST_ACCEPT },
      follow: true,
    });
    if (res.statusCode === 404) {
      res.resume();
      return null;
    }
    if (res.statusCode !== 200) throw await statusError(res, `manifest ${repository}:${reference}`);
    const bytes = await readLimited(res, maxBytes, `manifest ${repository}:${reference}`);
    return {
      digest: headerText(res.headers['docker-content-digest']),
      mediaType: (headerText(res.headers['content-type']) ?? '').split(';')[0]?.trim() ?? '',
      bytes,
    };
  }

  async headBlob(repository: string, digest: string): Promise<number | null> {
    const res = await this.call({
      method: 'HEAD',
      target: `/v2/${repository}/blobs/${digest}`,
      scope: repositoryScope(repository, 'pull'),
      follow: true,
    });
    res.resume();
    if (res.statusCode === 404) return null;
    if (res.statusCode !== 200) throw await statusError(res, `blob ${digest}`);
    return Number(res.headers['content-length'] ?? 0);
  }

  async getBlob(repository: string, digest: string): Promise<BlobFetch | null> {
    const res = await this.call({
      method: 'GET',
      target: `/v2/${repository}/blobs/${digest}`,
      scope: repositoryScope(repository, 'pull'),
      follow: true,
    });
    if (res.statusCode === 404) {
      res.resume();
      return null;
    }
    if (res.statusCode !== 200) throw await statusError(res, `blob ${digest}`);
    const length = res.headers['content-length'];
    return { size: length === undefined ? null : Number(length), body: res };
  }

  // ------------------------------------------------------------ writes (replication)

  /** Deletes a manifest by digest; false when the upstream does not have it. */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const res = await this.call({
      method: 'DELETE',
      target: `/v2/${repository}/manifests/${digest}`,
      scope: repositoryScope(repository, 'delete'),
    });
    res.resume();
    if (res.statusCode === 404) return false;
    if (res.statusCode !== 202 && res.statusCode !== 200) throw await statusError(res, `delete of ${digest}`);
    return true;
  }

  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.call({
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/?${q}`,
      scope: `${repositoryScope(repository, 'pull,push')} ${repositoryScope(from, 'pull')}`,
      headers: { 'content-length': 0 },
      body: Buffer.alloc(0),
    });
    res.resume();
    if (res.statusCode === 201) return true;
    if (res.statusCode === 202) return false;
    throw await statusError(res, `mount of ${digest}`);
  }

  async startUpload(repository: string): Promise<UploadProgress> {
    const res = await this.call({
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/`,
      scope: repositoryScope(repository, 'pull,push'),
      headers: { 'content-length': 0 },
      body: Buffer.alloc(0),
    });
    res.resume();
    if (res.statusCode !== 202) throw await statusError(res, `upload to ${repository}`);
    return { location: this.locationOf(res), offset: 0 };
  }

  async uploadStatus(location: string): Promise<UploadProgress> {
    const res = await this.call({ method: 'GET', target: location, scope: this.scopeOfLocation(location) });
    res.resume();
    if (res.statusCode !== 204 && res.statusCode !== 200) throw await statusError(res, 'upload status');
    return { location: res.headers.location ? this.locationOf(res, location) : location, offset: rangeEnd(res) };
  }

  async pushBlob(
    repository: string,
    digest: string,
    size: number,
    open: (offset: number) => Promise<Readable> | Readable,
    options: PushBlobOptions = {},
  ): Promise<void> {
    const scope = repositoryScope(repository, 'pull,push');
    // A session from an earlier attempt (replication's checkpoint) continues where the upstream says it is.
    let progress = options.resumeFrom
      ? await this.uploadStatus(options.resumeFrom).catch(() => this.startUpload(repository))
      : await this.startUpload(repository);
    const chunk = options.chunkSize;
    await options.onProgress?.(progress);
    if (!chunk) {
      await this.finishUpload(progress.location, digest, scope, size, async () => open(0));
      return;
    }
    let retries = options.retries ?? 3;
    while (progress.offset < size) {
      const start = progress.offset;
      const length = Math.min(chunk, size - start);
      try {
        const res = await this.call({
          method: 'PATCH',
          target: progress.location,
          scope,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': length,
            'content-range': `${start}-${start + length - 1}`,
          },
          body: async () => takeBytes(await open(start), length),
        });
        res.resume();
        if (res.statusCode !== 202) throw await statusError(res, `chunk ${start}-${start + length - 1}`);
        progress = { location: this.locationOf(res, progress.location), offset: start + length };
        await options.onProgress?.(progress);
      } catch (err) {
        if (--retries < 0) throw err;
        // Resume from what the upstream confirmed, not from what was sent.
        progress = await this.uploadStatus(progress.location);
      }
    }
    await this.finishUpload(progress.location, digest, scope, 0, undefined);
  }

  private async finishUpload(
    location: string,
    digest: string,
    scope: string,
    length: number,
    body: (() => Promise<Readable>) | undefined,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.call({
      method: 'PUT',
      target: url.href,
      scope,
      headers: { 'content-type': 'application/octet-stream', 'content-length': length },
      body: body ?? Buffer.alloc(0),
    });
    res.resume();
    if (res.statusCode !== 201) throw await statusError(res, `upload of ${digest}`);
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.call({
      method: 'PUT',
      target: `/v2/${repository}/manifests/${reference}`,
      scope: repositoryScope(repository, 'pull,push'),
      headers: { 'content-type': mediaType, 'content-length': bytes.length },
      body: bytes,
    });
    res.resume();
    if (res.statusCode !== 201) throw await statusError(res, `manifest ${repository}:${reference}`);
    return headerText(res.headers['docker-content-digest']) ?? '';
  }

  // ------------------------------------------------------------ plumbing

  private locationOf(res: IncomingMessage, relativeTo?: string): string {
    const loc = headerText(res.headers.location);
    if (!loc) throw new UpstreamError('invalid', 'the upstream started an upload without a Location');
    return new URL(loc, relativeTo ?? this.base).href;
  }

  private scopeOfLocation(location: string): string {
    const m = /\/v2\/(.+)\/blobs\/uploads\//.exec(new URL(location).pathname);
    return m ? repositoryScope(m[1] as string, 'pull,push') : '';
  }

  private url(target: string): URL {
    if (/^https?:\/\//.test(target)) return new URL(target);
    return new URL(target.replace(/^\//, ''), this.base);
  }

  /** One logical request: authenticates on a 401 (once), follows redirects when asked. */
  private async call(c: Call): Promise<IncomingMessage> {
    let url = this.url(c.target);
    let authenticated = false;
    for (let hops = 0; ; ) {
      const sameHost = url.host === this.base.host;
      const auth = sameHost ? this.authorization(c.scope) : null;
      const res = await this.send(
        c.method,
        url,
        { ...(c.headers ?? {}), ...(auth ? { authorization: auth } : {}) },
        c.body,
      );
      const status = res.statusCode ?? 0;
      if (status === 401 && sameHost && !authenticated) {
        res.resume();
        const challenge = parseChallenge(res.headers['www-authenticate']);
        if (!challenge)
          throw new UpstreamError('unauthorized', `${url.host} answered 401 without a usable challenge`, 401);
        await this.authenticate(challenge, c.scope);
        authenticated = true;
        continue;
      }
      if (c.follow && status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (++hops > MAX_REDIRECTS) throw new UpstreamError('invalid', `more than ${MAX_REDIRECTS} redirects`, status);
        url = new URL(res.headers.location, url);
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
          throw new UpstreamError('invalid', `redirect to an unsupported address ${url.protocol}`);
        continue;
      }
      return res;
    }
  }

  private authorization(scope: string): string | null {
    const ch = this.challenge;
    if (!ch) return null;
    if (ch.scheme === 'basic') {
      return this.endpoint.username ? basicHeader(this.endpoint.username, this.endpoint.password ?? '') : null;
    }
    const token = this.tokens.get(scope);
    return token ? `Bearer ${token}` : null;
  }

  private async authenticate(challenge: Challenge, scope: string): Promise<void> {
    this.challenge = challenge;
    if (challenge.scheme === 'basic') {
      if (!this.endpoint.username)
        throw new UpstreamError('unauthorized', 'the registry wants credentials; none are set', 401);
      return;
    }
    const realm = challenge.params.realm;
    if (!realm) throw new UpstreamError('unauthorized', 'the Bearer challenge names no realm', 401);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    const scopes = (scope || challenge.params.scope || '').split(' ').filter(Boolean);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.endpoint.username)
      headers.authorization = basicHeader(this.endpoint.username, this.endpoint.password ?? '');
    const res = await this.send('GET', url, headers, undefined);
    if (res.statusCode !== 200) {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403)
        throw new UpstreamError('unauthorized', `the token service ${url.host} refused the credentials`, status);
      throw await statusError(res, 'token');
    }
    const body = JSON.parse((await readLimited(res, 1024 * 1024, 'token')).toString('utf8'));
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || !token)
      throw new UpstreamError('invalid', `the token service ${url.host} sent no token`);
    this.tokens.set(scope, token, typeof body.expires_in === 'number' ? body.expires_in : undefined);
  }

  /** One HTTP exchange; network failures become UpstreamErrors. */
  private async send(
    method: string,
    url: URL,
    headers: Record<string, string | number>,
    body: Call['body'],
  ): Promise<IncomingMessage> {
    try {
      await this.policy.assertAllowed(url);
    } catch (err) {
      throw new UpstreamError('refused', (err as Error).message);
    }
    const source = typeof body === 'function' ? await body() : body;
    const mod = url.protocol === 'https:' ? https : http;
    const agent = url.host === this.base.host ? this.agent : undefined;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(url, {
        method,
        agent,
        headers: { 'user-agent': this.userAgent, ...headers },
        ...(agent ? {} : { lookup: this.policy.lookup, rejectUnauthorized: !this.endpoint.insecure }),
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(toUpstreamError(err, url));
      };
      const timer = setTimeout(() => {
        req.destroy(new UpstreamError('timeout', `${url.host} did not answer within ${this.responseTimeoutMs} ms`));
      }, this.responseTimeoutMs);
      req.setTimeout(this.idleTimeoutMs, () => {
        req.destroy(new UpstreamError('timeout', `${url.host} stalled for ${this.idleTimeoutMs} ms`));
      });
      req.once('error', fail);
      req.once('response', (res) => {
        clearTimeout(timer);
        req.off('error', fail);
        // Later failures (stall, reset) surface on the response stream.
        req.on('error', (err) => res.destroy(toUpstreamError(err, url)));
        resolve(res);
      });
      if (source === undefined) req.end();
      else if (Buffer.isBuffer(source)) req.end(source);
      else {
        source.once('error', (err) => req.destroy(err));
        source.pipe(req);
      }
    });
  }
}

function toUpstreamError(err: Error, url: URL): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (err.name === 'OutboundRefusedError') return new UpstreamError('refused', err.message);
  if (code === 'ETIMEDOUT') return new UpstreamError('timeout', `${url.host}: connection timed out`);
  if (/CERT|SSL|TLS|SELF_SIGNED/.test(code))
    return new UpstreamError('unreachable', `${url.host}: TLS failure (${code}); set insecure or a CA certificate`);
  return new UpstreamError('unreachable', `${url.host} is unreachable: ${code || err.message}`);
}

function headerText(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

/** The confirmed size from an upload status `Range: 0-<last>` header. */
function rangeEnd(res: IncomingMessage): number {
  const m = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
  // Distribution answers `0-0` for an empty session: taking it as one byte would skip the blob's first byte.
  if (!m || m[1] === '0') return 0;
  return Number(m[1]) + 1;
}
