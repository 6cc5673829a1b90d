/**
 * Docker registry tokens (distribution docs/spec/auth/jwt.md): ES256 JWTs
 * whose `access` claim lists exactly what the bearer may do.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../../adapters/keys/file-keys.ts';

export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenOptions {
  issuer: string;
  /** The `service` (and `aud`) clients name in their token requests. */
  service: string;
  ttlSeconds: number;
}

export interface VerifiedToken {
  subject: string;
  /** The account's id when issued (`berth_aid`): a new account with an old name is not the old account. */
  accountId: number | null;
  access: AccessClaim[];
}

export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    readonly options: TokenOptions,
  ) {}

  async issue(
    subject: string,
    access: AccessClaim[],
    accountId?: number,
  ): Promise<{ token: string; expiresIn: number; issuedAt: string }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(accountId !== undefined ? { access, berth_aid: accountId } : { access })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.keys.kid })
      .setIssuer(this.options.issuer)
      .setSubject(subject)
      .setAudience(this.options.service)
      .setIssuedAt(now)
      .setNotBefore(now - 1)
      .setExpirationTime(now + this.options.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.keys.privateKey);
    return { token, expiresIn: this.options.ttlSeconds, issuedAt: new Date(now * 1000).toISOString() };
  }

  /** Verifies signature (ES256 with our key only), issuer, audience and times; throws otherwise. */
  async verify(token: string): Promise<VerifiedToken> {
    const { payload } = await jwtVerify(token, this.keys.publicKey, {
      algorithms: ['ES256'],
      issuer: this.options.issuer,
      audience: this.options.service,
      requiredClaims: ['exp', 'iat'],
    });
    const access = Array.isArray(payload.access) ? (payload.access as AccessClaim[]) : [];
    return {
      subject: typeof payload.sub === 'string' ? payload.sub : '',
      accountId: typeof payload.berth_aid === 'number' ? payload.berth_aid : null,
      access,
    };
  }
}

/** The actions a token grants on one repository. */
export function claimedActions(access: AccessClaim[], repository: string): Set<string> {
  const out = new Set<string>();
  for (const a of access) {
    if (a?.type !== 'repository' || a.name !== repository || !Array.isArray(a.actions)) continue;
    for (const action of a.actions) out.add(action);
  }
  return out;
}
