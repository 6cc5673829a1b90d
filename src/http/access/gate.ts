/**
 * Who is calling: reads the Authorization header (Basic or Bearer) once per
 * request, checks it, and applies the brute-force limit to password logins.
 * Shared by /v2, /service/token and the management API.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoginLimiter } from '../../core/access/limiter.ts';
import { ANONYMOUS, type Principal } from '../../core/access/principal.ts';
import type { AccessService } from '../../core/access/service.ts';
import { RegistryError } from '../../core/errors.ts';
import { projectOf } from '../../core/names.ts';
import { CSRF_HEADER, cookieValue, SESSION_COOKIE, SessionService } from '../../features/sessions/service.ts';
import { clientAddress } from '../client-address.ts';
import { type AccessClaim, SCANNER_SUBJECT, type TokenService } from '../token/tokens.ts';
import { bearerChallenge, tokenRealm } from './challenge.ts';

export interface Identity {
  principal: Principal;
  via: 'none' | 'basic' | 'bearer' | 'session';
  /** The token's `access` claims (Bearer only). */
  claims?: AccessClaim[];
  /** When the token expires (Bearer only, epoch ms). */
  expiresAt?: number;
  /** A scanner's pull grant: its reads are inspections, not client pulls (no pull gate, no pull counts). */
  inspection?: boolean;
}

export interface GateOptions {
  /** Absolute URL of /service/token, when configured; otherwise derived from the request's Host. */
  realm?: string;
  /**
   * The key of this process's own pull diagnoses (see probeSignature): their
   * failed logins (a diagnosed secret with a wrong password) neither count
   * toward the account's lockout nor appear as failed logins.
   */
  probeKey?: string;
  /** Console sessions (cookie + CSRF token), accepted on the management API only. */
  sessions?: SessionService;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Marks a registry request made by Berth's own pull diagnosis. */
export const PROBE_HEADER = 'x-berth-diagnosis';

/**
 * The PROBE_HEADER value for a request with this Authorization header. Bound
 * to the credentials tried: a registry that sees it (diagnoses also reach other
 * registries) can replay it only with that same password, never to guess others.
 */
export function probeSignature(key: string, authorization: string): string {
  return createHmac('sha256', key).update(authorization).digest('base64url');
}

/** The request's client address (X-Forwarded-For believed only from trusted proxies: http/client-address.ts). */
export { clientAddress };

export function parseBasic(header: string): { username: string; password: string } | null {
  if (!/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class Gate {
  private readonly seen = new WeakMap<IncomingMessage, Promise<Identity>>();
  private readonly seenApi = new WeakMap<IncomingMessage, Promise<Identity>>();

  constructor(
    readonly access: AccessService,
    readonly tokens: TokenService,
    private readonly limiter: LoginLimiter,
    private readonly options: GateOptions = {},
  ) {}

  realm(req: IncomingMessage): string {
    return tokenRealm(req, this.options.realm);
  }

  /** The `WWW-Authenticate` value for /v2 (scope: `repository:NAME:ACTIONS`). */
  challenge(req: IncomingMessage, scope?: string, error?: string): string {
    return bearerChallenge(this.realm(req), this.tokens.options.service, scope, error);
  }

  unauthorized(req: IncomingMessage, message: string, scope?: string, error?: string): RegistryError {
    return new RegistryError(
      'UNAUTHORIZED',
      message,
      {},
      { headers: { 'www-authenticate': this.challenge(req, scope, error) } },
    );
  }

  /**
   * The identity behind a request, computed once. Throws UNAUTHORIZED or
   * TOOMANYREQUESTS. Bearer tokens must be of the kind of the door:
   * registry tokens on /v2, API sessions on the management API.
   */
  identify(req: IncomingMessage, kind: 'registry' | 'api' = 'registry'): Promise<Identity> {
    const cache = kind === 'registry' ? this.seen : this.seenApi;
    let found = cache.get(req);
    if (!found) {
      found = this.resolve(req, kind);
      cache.set(req, found);
    }
    return found;
  }

  /** Records the identity of a request decided without `identify` (a remembered Bearer pull). */
  adopt(req: IncomingMessage, identity: Promise<Identity>): void {
    this.seen.set(req, identity);
  }

  /** The identity if already known for this request (for logging after the fact). */
  known(req: IncomingMessage): Promise<Identity> | undefined {
    return this.seen.get(req);
  }

  private async resolve(req: IncomingMessage, kind: 'registry' | 'api'): Promise<Identity> {
    const header = req.headers.authorization;
    if (!header && kind === 'api' && this.options.sessions) return this.fromSession(req, this.options.sessions);
    if (!header) return { principal: ANONYMOUS, via: 'none' };
    if (/^bearer /i.test(header)) {
      let verified: Awaited<ReturnType<TokenService['verify']>>;
      try {
        verified = await this.tokens.verify(header.slice(7).trim(), kind);
      } catch {
        throw this.unauthorized(req, 'invalid or expired token', undefined, 'invalid_token');
      }
      if (verified.subject === '') return { principal: ANONYMOUS, via: 'bearer', claims: verified.access };
      if (verified.grant === 'scan') return scanGrantIdentity(verified.access);
      const principal = await this.access.current(verified.subject);
      if (!principal || principal.kind === 'anonymous' || principal.id !== verified.accountId)
        throw this.unauthorized(req, 'the account of this token no longer exists or is disabled');
      return { principal, via: 'bearer', claims: verified.access, expiresAt: verified.expiresAt };
    }
    const basic = parseBasic(header);
    if (!basic) throw this.unauthorized(req, 'unsupported authorization scheme');
    return { principal: await this.login(req, basic.username, basic.password), via: 'basic' };
  }

  /**
   * The console's session cookie: the account must still exist and be the
   * same one; a write must echo the session's CSRF token (a cross-site form
   * or script cannot read it).
   */
  private async fromSession(req: IncomingMessage, sessions: SessionService): Promise<Identity> {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!id) return { principal: ANONYMOUS, via: 'none' };
    const session = await sessions.resolve(id);
    if (!session) throw new RegistryError('UNAUTHORIZED', 'the session has ended: sign in again');
    const principal = await this.access.current(session.username);
    if (!principal || principal.kind === 'anonymous' || principal.id !== session.accountId)
      throw new RegistryError('UNAUTHORIZED', 'the account of this session no longer exists or is disabled');
    const method = req.method ?? 'GET';
    if (!SAFE_METHODS.has(method)) {
      const sent = req.headers[CSRF_HEADER];
      if (!SessionService.csrfMatches(session, typeof sent === 'string' ? sent : undefined))
        throw new RegistryError(
          'DENIED',
          `a change through the console needs the ${CSRF_HEADER} header of its session`,
        );
    }
    return { principal, via: 'session' };
  }

  private isOwnProbe(req: IncomingMessage): boolean {
    const key = this.options.probeKey;
    const sent = req.headers[PROBE_HEADER];
    const authorization = req.headers.authorization;
    if (!key || typeof sent !== 'string' || !authorization) return false;
    const expected = Buffer.from(probeSignature(key, authorization));
    const given = Buffer.from(sent);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A password login, rate-limited per address and account; failures are audited. */
  async login(req: IncomingMessage, username: string, password: string): Promise<Principal> {
    const address = clientAddress(req);
    const wait = this.limiter.retryAfter(address, username);
    if (wait > 0) {
      throw new RegistryError(
        'TOOMANYREQUESTS',
        `too many failed logins: try again in ${wait} seconds`,
        { retryAfter: wait },
        { headers: { 'retry-after': String(wait) } },
      );
    }
    const principal = await this.access.login(username, password);
    if (!principal) {
      if (this.isOwnProbe(req)) throw this.unauthorized(req, 'invalid username or password');
      this.limiter.fail(address, username);
      await this.access.audit({
        username: username.slice(0, 255),
        resource: username.slice(0, 255),
        resourceType: 'user',
        operation: 'login',
        result: 'failure',
        project: null,
        address,
      });
      throw this.unauthorized(req, 'invalid username or password');
    }
    this.limiter.succeed(address, username);
    return principal;
  }
}

/**
 * An external scanner's grant as a system robot that may pull exactly the
 * repositories of its claims (a token Berth signed for one scan; the claims
 * still bound every request, as for any Bearer token).
 */
function scanGrantIdentity(claims: AccessClaim[]): Identity {
  const pulls = claims.filter((c) => c.type === 'repository' && c.actions.includes('pull'));
  return {
    principal: {
      kind: 'robot',
      id: 0,
      name: SCANNER_SUBJECT,
      level: 'system',
      projectId: null,
      permissions: pulls.map((c) => ({
        kind: 'project',
        namespace: projectOf(c.name),
        access: [{ resource: 'repository', action: 'pull' }],
      })),
    },
    via: 'bearer',
    claims: pulls.map((c) => ({ ...c, actions: ['pull'] })),
    inspection: true,
  };
}
