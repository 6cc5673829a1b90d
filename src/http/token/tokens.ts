/**
 * Docker registry tokens (distribution docs/spec/auth/jwt.md): ES256 JWTs
 * whose `access` claim lists exactly what the bearer may do.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../../core/access/ports.ts';

export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

export type TokenKind = 'registry' | 'api' | 'state';

const VERIFIED_CACHE_ENTRIES = 10_000;

export interface TokenOptions {
  issuer: string;
  /** The `service` (and `aud`) clients name in their token requests. */
  service: string;
  ttlSeconds: number;
  /** How many verified tokens to remember (default 10,000; the oldest goes first). */
  verifiedCacheEntries?: number;
}

/** The subject of the pull-only grants Berth gives external scanners (not a valid account name). */
export const SCANNER_SUBJECT = 'berth:scanner';

export interface VerifiedToken {
  /** A grant Berth issued for itself (`scan`: an external scanner pulls one artifact), not an account's token. */
  grant?: 'scan';
  subject: string;
  /** The account's id when issued (`berth_aid`): a new account with an old name is not the old account. */
  accountId: number | null;
  access: AccessClaim[];
  /** When the token expires (epoch ms). */
  expiresAt: number;
}

export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    readonly options: TokenOptions,
  ) {}

  /** Each kind of token has its own audience: a registry token is no API session, and so on. */
  private audience(kind: TokenKind): string {
    return kind === 'registry' ? this.options.service : `${this.options.service}-${kind}`;
  }

  private async sign(kind: TokenKind, subject: string, claims: Record<string, unknown>, ttl: number) {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.keys.kid })
      .setIssuer(this.options.issuer)
      .setSubject(subject)
      .setAudience(this.audience(kind))
      .setIssuedAt(now)
      .setNotBefore(now - 1)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.keys.privateKey);
    return { token, expiresIn: ttl, issuedAt: new Date(now * 1000).toISOString() };
  }

  /** A registry token for /v2 (audience = the service). */
  async issue(
    subject: string,
    access: AccessClaim[],
    accountId?: number,
  ): Promise<{ token: string; expiresIn: number; issuedAt: string }> {
    return this.sign(
      'registry',
      subject,
      accountId !== undefined ? { access, berth_aid: accountId } : { access },
      this.options.ttlSeconds,
    );
  }

  /**
   * A pull-only registry token for one repository, for an external scanner
   * (Harbor's adapters pull the artifact they scan). No account stands behind
   * it; the gate honours it for pulls of that repository only.
   */
  async issueScanGrant(repository: string, ttlSeconds = 600) {
    return this.sign(
      'registry',
      SCANNER_SUBJECT,
      { access: [{ type: 'repository', name: repository, actions: ['pull'] }], berth_grant: 'scan' },
      ttlSeconds,
    );
  }

  /** A management API session (after an OIDC login). */
  async issueSession(subject: string, accountId: number, ttlSeconds: number) {
    return this.sign('api', subject, { berth_aid: accountId }, ttlSeconds);
  }

  /** Signed, short-lived state kept by the browser between an OIDC redirect and its callback. */
  async seal(claims: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    return (await this.sign('state', '', claims, ttlSeconds)).token;
  }

  async unseal(token: string): Promise<Record<string, unknown>> {
    const { payload } = await jwtVerify(token, this.keys.publicKey, {
      algorithms: ['ES256'],
      issuer: this.options.issuer,
      audience: this.audience('state'),
    });
    return payload;
  }

  /**
   * Tokens already verified, until they expire: a client sends the same token
   * with every request, and an ES256 verification costs more than the rest of
   * a manifest GET. Only the signature check is cached; who the subject is
   * (deleted, disabled) is still decided on every request by the caller.
   */
  // One map per kind of door, keyed by the token itself: a key built as `kind + token` was a new
  // ~700-character string to join and hash on every request.
  private readonly verified = {
    registry: new Map<string, { token: VerifiedToken; expiresAt: number }>(),
    api: new Map<string, { token: VerifiedToken; expiresAt: number }>(),
  };

  /** How many verified tokens are remembered (tests check the bound). */
  get verifiedCount(): number {
    return this.verified.registry.size + this.verified.api.size;
  }

  /** Verifies signature (ES256 with our key only), issuer, audience and times; throws otherwise. */
  async verify(token: string, kind: 'registry' | 'api' = 'registry'): Promise<VerifiedToken> {
    const cache = this.verified[kind];
    const known = cache.get(token);
    if (known && known.expiresAt > Date.now()) return known.token;
    if (known) cache.delete(token);
    const result = await this.verifyUncached(token, kind);
    if (this.verifiedCount >= (this.options.verifiedCacheEntries ?? VERIFIED_CACHE_ENTRIES)) {
      // The oldest of the fuller map goes: the bound holds for both together.
      const fuller = this.verified.registry.size >= this.verified.api.size ? this.verified.registry : this.verified.api;
      const oldest = fuller.keys().next().value;
      if (oldest !== undefined) fuller.delete(oldest);
    }
    cache.set(token, result);
    return result.token;
  }

  private async verifyUncached(
    token: string,
    kind: 'registry' | 'api',
  ): Promise<{ token: VerifiedToken; expiresAt: number }> {
    const { payload } = await jwtVerify(token, this.keys.publicKey, {
      algorithms: ['ES256'],
      issuer: this.options.issuer,
      audience: this.audience(kind),
      requiredClaims: ['exp', 'iat'],
    });
    const access = Array.isArray(payload.access) ? (payload.access as AccessClaim[]) : [];
    return {
      token: {
        ...(payload.berth_grant === 'scan' && payload.sub === SCANNER_SUBJECT ? { grant: 'scan' as const } : {}),
        subject: typeof payload.sub === 'string' ? payload.sub : '',
        accountId: typeof payload.berth_aid === 'number' ? payload.berth_aid : null,
        access,
        expiresAt: (payload.exp as number) * 1000,
      },
      expiresAt: (payload.exp as number) * 1000,
    };
  }
}

/** Whether a token's claims grant every one of `actions` on `repository` (one claim or several together). */
export function claimsAll(access: AccessClaim[], repository: string, actions: readonly string[]): boolean {
  return actions.every((action) =>
    access.some(
      (a) =>
        a?.type === 'repository' && a.name === repository && Array.isArray(a.actions) && a.actions.includes(action),
    ),
  );
}
