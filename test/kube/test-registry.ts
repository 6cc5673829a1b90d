/**
 * A tiny registry for diagnosis tests: /v2/, a Docker token endpoint (or
 * Basic auth), HEAD manifests, tags/list and _catalog, with the OCI error
 * bodies and WWW-Authenticate challenges a Distribution registry sends.
 * Berth's own registry server is not ready yet; this stands in for any peer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestRegistryOptions {
  auth: 'bearer' | 'basic';
  /** Users, their passwords, and the repositories each may pull ('*' for all). */
  users: Record<string, { password: string; pull: string[] | '*' }>;
  /** Repositories (names as stored, case included) and their tags. */
  repositories: Record<string, string[]>;
  /** Repositories anyone may pull without credentials. */
  public?: string[];
  /** The token endpoint answers 400 for a repository scope whose name breaks the grammar (as Berth's does). */
  strictScopes?: boolean;
}

const SERVICE = 'test-registry';
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

export class TestRegistry {
  readonly requests: Array<{ method: string; path: string; authorization?: string }> = [];
  private readonly tokens = new Map<string, { user?: string; scopes: Set<string> }>();
  private server?: Server;
  url = '';
  host = '';

  constructor(readonly options: TestRegistryOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.url = `http://${this.host}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });

    if (url.pathname === '/token') return this.token(req, url, res);
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      return this.identity(req) !== null ? json(res, 200, {}) : this.challenge(res);
    }
    if (url.pathname === '/v2/_catalog') {
      if (!this.allowed(req, 'registry:catalog:*', null)) return this.challenge(res, 'registry:catalog:*');
      return this.catalog(url, res);
    }
    const m = /^\/v2\/(.+)\/(manifests|tags)\/([^/]+)$/.exec(url.pathname);
    if (!m) return ociError(res, 404, 'UNSUPPORTED', 'not found');
    const [, name, kind, reference] = m as unknown as [string, string, string, string];
    const scope = `repository:${name}:pull`;
    if (!this.allowed(req, scope, name)) {
      const user = this.identity(req);
      // Basic: a known user without access is DENIED; Bearer: the token lacks the scope.
      if (this.options.auth === 'basic' && user)
        return ociError(res, 403, 'DENIED', 'requested access to the resource is denied');
      return this.challenge(res, scope);
    }
    if (!NAME_RE.test(name)) return ociError(res, 400, 'NAME_INVALID', 'invalid repository name', method === 'HEAD');
    const tags = this.options.repositories[name];
    if (!tags) return ociError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', method === 'HEAD');
    if (kind === 'tags') return json(res, 200, { name, tags });
    const known = reference.startsWith('sha256:')
      ? tags.some((t) => digestOf(name, t) === reference)
      : tags.includes(reference);
    if (!known) return ociError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', method === 'HEAD');
    const body = manifestFor(name, reference);
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'content-length': String(body.length),
      'docker-content-digest': `sha256:${createHash('sha256').update(body).digest('hex')}`,
    });
    res.end(method === 'HEAD' ? undefined : body);
  }

  /** The authenticated user name, '' for an anonymous bearer token, null when not authenticated. */
  private identity(req: IncomingMessage): string | null {
    const header = req.headers.authorization ?? '';
    if (this.options.auth === 'basic') return this.basicUser(header);
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const grant = token ? this.tokens.get(token) : undefined;
    return grant ? (grant.user ?? '') : null;
  }

  private basicUser(header: string): string | null {
    const m = /^Basic (.+)$/.exec(header);
    if (!m) return null;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return this.options.users[user]?.password === password ? user : null;
  }

  private mayPull(user: string | null | undefined, name: string): boolean {
    if (this.options.public?.includes(name)) return true;
    const pull = user ? this.options.users[user]?.pull : undefined;
    return pull === '*' || (Array.isArray(pull) && pull.includes(name));
  }

  private allowed(req: IncomingMessage, scope: string, name: string | null): boolean {
    if (this.options.auth === 'basic') {
      const user = this.basicUser(req.headers.authorization ?? '');
      return name === null ? user !== null : this.mayPull(user, name);
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token !== undefined && (this.tokens.get(token)?.scopes.has(scope) ?? false);
  }

  private challenge(res: ServerResponse, scope?: string): void {
    const header =
      this.options.auth === 'basic'
        ? `Basic realm="${SERVICE}"`
        : `Bearer realm="${this.url}/token",service="${SERVICE}"${scope ? `,scope="${scope}"` : ''}`;
    res.setHeader('www-authenticate', header);
    ociError(res, 401, 'UNAUTHORIZED', 'authentication required');
  }

  /** Docker token endpoint: Basic credentials in, a token with the granted scopes out. */
  private token(req: IncomingMessage, url: URL, res: ServerResponse) {
    const header = req.headers.authorization;
    const user = header ? this.basicUser(header) : undefined;
    if (header && user === null)
      return ociError(res, 401, 'UNAUTHORIZED', 'authentication required: invalid username or password');
    const granted = new Set<string>();
    for (const scope of url.searchParams.getAll('scope')) {
      const [type, name] = scope.split(':');
      if (this.options.strictScopes && type === 'repository' && !NAME_RE.test(name ?? '')) {
        return ociError(res, 400, 'UNSUPPORTED', `invalid scope: ${scope}`);
      }
      if (type === 'registry' && name === 'catalog' && user) granted.add(scope);
      if (type === 'repository' && name && this.mayPull(user, name)) granted.add(scope);
    }
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, { ...(user ? { user } : {}), scopes: granted });
    json(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
  }

  private catalog(url: URL, res: ServerResponse): void {
    const all = Object.keys(this.options.repositories).sort();
    const n = Number(url.searchParams.get('n') ?? all.length);
    const last = url.searchParams.get('last');
    const from = last ? all.filter((r) => r > last) : all;
    const page = from.slice(0, n);
    if (from.length > n)
      res.setHeader('link', `</v2/_catalog?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`);
    json(res, 200, { repositories: page });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function ociError(res: ServerResponse, status: number, code: string, message: string, head = false): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: {} }] });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

function manifestFor(name: string, tag: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      annotations: { name, tag },
    }),
  );
}

function digestOf(name: string, tag: string): string {
  return `sha256:${createHash('sha256').update(manifestFor(name, tag)).digest('hex')}`;
}
