/**
 * OIDC logins: the port to an OpenID provider, and onboarding of the people
 * it vouches for. Registry clients cannot do a browser login, so an OIDC user
 * logs in to /v2 with a CLI secret (as in Harbor), set through the API.
 */
import { randomBytes } from 'node:crypto';
import type { AccessStore, UserRecord } from './ports.ts';

export interface OidcIdentity {
  /** The provider's subject identifier. */
  subject: string;
  username: string;
  email: string;
  name: string;
}

export interface OidcLoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcProvider {
  /** Where to send the browser. */
  authorizationUrl(login: OidcLoginState): Promise<string>;
  /** Redeems the callback (the full URL the provider redirected to) for a verified identity. */
  callback(callbackUrl: string, login: OidcLoginState): Promise<OidcIdentity>;
}

export class OidcConflict extends Error {}

/** The Berth user for an OIDC identity, created on the first login. */
export async function onboardOidc(store: AccessStore, who: OidcIdentity): Promise<UserRecord> {
  const existing = await store.userByName(who.username);
  if (existing) {
    if (existing.source !== 'oidc' || existing.externalId !== who.subject)
      throw new OidcConflict(`the username ${who.username} belongs to another account`);
    if (existing.email !== who.email || existing.realname !== who.name)
      await store.updateUser(existing.id, { email: who.email, realname: who.name });
    return existing;
  }
  const created = await store.createUser({
    username: who.username,
    email: who.email,
    realname: who.name,
    comment: 'from OIDC',
    passwordHash: null,
    sysadmin: false,
    source: 'oidc',
    externalId: who.subject,
    cliSecretHash: null,
  });
  if (!created) throw new OidcConflict(`the username ${who.username} was just taken`);
  return created;
}

/** Fresh state, nonce and PKCE verifier for one login. */
export function newLoginState(): OidcLoginState {
  const r = () => randomBytes(32).toString('base64url');
  return { state: r(), nonce: r(), codeVerifier: r() };
}
