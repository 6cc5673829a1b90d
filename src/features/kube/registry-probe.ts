/**
 * A small Distribution API client for diagnosis: it answers "can these
 * credentials pull this manifest, and if not, why" by speaking to the
 * registry as a runtime would (GET /v2/, Bearer token or Basic, HEAD manifest).
 */
import { OutboundPolicy, OutboundRefusedError } from '../../core/outbound.ts';
import { apiHost } from './imageref.ts';

export interface Credentials {
  username: string;
  password: string;
}

export interface ProbeOptions {
  scheme: 'http' | 'https';
  timeoutMs: number;
  /** Where the probe may connect (every hop: the registry, its token realm, redirects); default: the strict policy. */
  outbound?: OutboundPolicy;
  /**
   * Extra headers for a request that carries credentials (given its
   * Authorization value): Berth marks its own diagnosis logins so they do not
   * count toward the account's lockout.
   */
  headers?: (authorization: string) => Record<string, string>;
}

const STRICT = OutboundPolicy.fromList([]);
const MAX_REDIRECTS = 5;

/** The registry could not be spoken to at all. */
export class UnreachableError extends Error {}

/** Something answered, but not the registry API at /v2/. */
export class NotARegistryError extends UnreachableError {}

/**
 * The registry (or its token endpoint) answered 429: a pull now would fail
 * for the same reason, whatever the credentials. `retryAfter` is the
 * Retry-After header as sent (seconds or an HTTP date), when there is one.
 */
export class RateLimitedError extends Error {
  constructor(
    readonly url: string,
    readonly retryAfter: string | undefined,
  ) {
    super(
      `${new URL(url).origin} is rate limiting these requests (HTTP 429)${retryAfter ? `; retry after ${/^\d+$/.test(retryAfter) ? `${retryAfter} seconds` : retryAfter}` : ''}`,
    );
    this.name = 'RateLimitedError';
  }
}

export type AuthOutcome = { ok: true } | { ok: false; status: number; via: 'token' | 'basic'; message: string };

interface Challenge {
  scheme: 'bearer' | 'basic' | 'none';
  realm?: string;
  service?: string;
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class RegistrySession {
  readonly base: string;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();

  constructor(
    host: string,
    private readonly credentials: Credentials | undefined,
    private readonly options: ProbeOptions,
  ) {
    this.base = `${options.scheme}://${apiHost(host)}`;
  }

  /** GET /v2/: learns how the registry authenticates. Throws UnreachableError. */
  async ping(): Promise<void> {
    const res = await this.fetch('/v2/', {});
    this.challenge = parseChallenge(res.status === 401 ? res.headers.get('www-authenticate') : null);
    if (res.status !== 200 && res.status !== 401) {
      throw new NotARegistryError(
        `${this.base}/v2/ answered HTTP ${res.status}; this does not look like a registry API`,
      );
    }
  }

  /** Checks the credentials for `scope` the way the registry asks (token endpoint or Basic). */
  async authenticate(scope: string): Promise<AuthOutcome> {
    if (!this.challenge) await this.ping();
    const challenge = this.challenge!;
    if (challenge.scheme === 'none' || !this.credentials) return { ok: true };
    if (challenge.scheme === 'basic') {
      const res = await this.fetch('/v2/', { authorization: basic(this.credentials) });
      if (res.status === 401) {
        return {
          ok: false,
          status: 401,
          via: 'basic',
          message: `${this.base}/v2/ refused the username and password (HTTP 401)`,
        };
      }
      return { ok: true };
    }
    const token = await this.fetchToken(scope);
    return typeof token === 'string' ? { ok: true } : token;
  }

  /** HEAD of a manifest with whatever authorization the registry wants. */
  async headManifest(repository: string, reference: string): Promise<number> {
    const scope = `repository:${repository}:pull`;
    const res = await this.fetch(
      `/v2/${repository}/manifests/${reference}`,
      await this.authHeaders(scope),
      'HEAD',
      MANIFEST_ACCEPT,
    );
    return res.status;
  }

  /** Tags of a repository; null when the repository is unknown or hidden. */
  async tags(repository: string): Promise<string[] | null> {
    const res = await this.fetch(
      `/v2/${repository}/tags/list`,
      await this.authHeaders(`repository:${repository}:pull`),
    );
    if (res.status !== 200) return null;
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  /** Every repository the credentials may list (following Link pages); null when refused. */
  async catalog(maxPages = 20): Promise<string[] | null> {
    const headers = await this.authHeaders('registry:catalog:*');
    const names: string[] = [];
    let path: string | null = '/v2/_catalog?n=1000';
    for (let page = 0; path && page < maxPages; page++) {
      const res = await this.fetch(path, headers);
      if (res.status !== 200) return page === 0 ? null : names;
      names.push(...(((await res.json()) as { repositories?: string[] }).repositories ?? []));
      path = nextLink(res.headers.get('link'));
    }
    return names;
  }

  private async authHeaders(scope: string): Promise<Record<string, string>> {
    if (!this.challenge) await this.ping();
    const challenge = this.challenge!;
    if (challenge.scheme === 'basic') return this.credentials ? { authorization: basic(this.credentials) } : {};
    if (challenge.scheme === 'bearer') {
      const token = await this.fetchToken(scope);
      return typeof token === 'string' && token ? { authorization: `Bearer ${token}` } : {};
    }
    return {};
  }

  private async fetchToken(scope: string): Promise<string | AuthOutcome> {
    const cached = this.tokens.get(scope);
    if (cached !== undefined) return cached;
    const { realm, service } = this.challenge!;
    if (!realm)
      return { ok: false, status: 0, via: 'token', message: 'the registry asked for a token but named no realm' };
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = this.credentials ? { authorization: basic(this.credentials) } : {};
    const res = await this.fetchUrl(url.toString(), headers, 'GET');
    if (res.status === 401 || res.status === 403) {
      return {
        ok: false,
        status: res.status,
        via: 'token',
        message: `the token endpoint ${url.origin}${url.pathname} refused the username and password (HTTP ${res.status})`,
      };
    }
    if (res.status !== 200) {
      return { ok: false, status: res.status, via: 'token', message: `the token endpoint answered HTTP ${res.status}` };
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token ?? '';
    this.tokens.set(scope, token);
    return token;
  }

  private fetch(path: string, headers: Record<string, string>, method = 'GET', accept?: string): Promise<Response> {
    return this.fetchUrl(`${this.base}${path}`, { ...headers, ...(accept ? { accept } : {}) }, method);
  }

  /**
   * One request, following redirects by hand so that each hop (and the
   * token realm the registry names) passes the outbound address policy.
   */
  private async fetchUrl(url: string, headers: Record<string, string>, method: string): Promise<Response> {
    const policy = this.options.outbound ?? STRICT;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let target = url;
    for (let hop = 0; ; hop++) {
      try {
        await policy.assertAllowed(target);
      } catch (e) {
        if (e instanceof OutboundRefusedError) throw new UnreachableError(e.message);
        throw e;
      }
      let res: Response;
      try {
        // Berth's own diagnosis logins carry a mark (see Gate.login); only where the credentials go.
        const sent =
          headers.authorization && this.options.headers
            ? { ...headers, ...this.options.headers(headers.authorization) }
            : headers;
        res = await fetch(target, { method, headers: sent, redirect: 'manual', signal });
      } catch (e) {
        throw new UnreachableError(describeNetworkError(target, e, this.options.timeoutMs));
      }
      const location = res.headers.get('location');
      if (res.status === 429) throw new RateLimitedError(url, res.headers.get('retry-after') ?? undefined);
      if (res.status < 300 || res.status > 399 || !location || res.status === 304) return res;
      if (hop >= MAX_REDIRECTS) throw new UnreachableError(`${new URL(url).origin}: too many redirects`);
      await res.body?.cancel();
      const next = new URL(location, target);
      // Credentials stay with the origin they were given for.
      if (next.origin !== new URL(target).origin) delete headers.authorization;
      target = next.toString();
    }
  }

  /**
   * The platforms (`os/architecture[/variant]`) an index or manifest list
   * offers; null for a single-platform manifest (or one that cannot be read).
   */
  async platforms(repository: string, reference: string): Promise<string[] | null> {
    const res = await this.fetch(
      `/v2/${repository}/manifests/${reference}`,
      await this.authHeaders(`repository:${repository}:pull`),
      'GET',
      MANIFEST_ACCEPT,
    );
    if (res.status !== 200) return null;
    const doc = (await res.json().catch(() => null)) as {
      manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
    } | null;
    if (!doc || !Array.isArray(doc.manifests)) return null;
    return doc.manifests
      .map((m) => m.platform)
      .filter((p): p is { os: string; architecture: string; variant?: string } => Boolean(p?.os && p.architecture))
      .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
  }
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** Parses `Bearer realm="…",service="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string | null): Challenge {
  if (!header) return { scheme: 'none' };
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const scheme = m?.[1]?.toLowerCase();
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  if (scheme === 'bearer') return { scheme: 'bearer', realm: params.realm, service: params.service };
  if (scheme === 'basic') return { scheme: 'basic', realm: params.realm };
  return { scheme: 'none' };
}

function nextLink(link: string | null): string | null {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m) return null;
  const url = new URL(m[1]!, 'http://x');
  return `${url.pathname}${url.search}`;
}

function describeNetworkError(url: string, e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  const origin = new URL(url).origin;
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return `${origin} did not answer within ${timeoutMs} ms`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return `${origin} refused the connection (nothing listens there)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${origin}: the host name does not resolve`;
  if (code === 'ECONNRESET') return `${origin} closed the connection`;
  if (code && /CERT|SSL|TLS|EPROTO/.test(code))
    return `${origin}: TLS failed (${code}); is it plain HTTP, or is its certificate trusted?`;
  return `${origin}: ${err.cause?.message ?? err.message ?? String(e)}`;
}
