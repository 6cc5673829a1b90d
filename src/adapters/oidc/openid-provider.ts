/** The OidcProvider port over openid-client (discovery, authorization code with PKCE, userinfo). */
import * as client from 'openid-client';
import type { OidcIdentity, OidcLoginState, OidcProvider } from '../../core/access/oidc.ts';

export interface OpenIdOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Berth's callback URL as registered at the provider (…/c/oidc/callback). */
  redirectUri: string;
  scope?: string;
  /** The claim that becomes the username (default `preferred_username`, then `email`, then `sub`). */
  userClaim?: string;
}

export class OpenIdProvider implements OidcProvider {
  private config?: Promise<client.Configuration>;

  constructor(private readonly options: OpenIdOptions) {}

  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const issuer = new URL(this.options.issuer);
      // Plain HTTP only for a provider on this machine (tests, development).
      const local = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
      this.config = client
        .discovery(issuer, this.options.clientId, this.options.clientSecret, undefined, {
          execute: local ? [client.allowInsecureRequests] : [],
        })
        .catch((err) => {
          this.config = undefined;
          throw err;
        });
    }
    return this.config;
  }

  async authorizationUrl(login: OidcLoginState): Promise<string> {
    const config = await this.configuration();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scope ?? 'openid profile email',
      state: login.state,
      nonce: login.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
    });
    return url.href;
  }

  async callback(callbackUrl: string, login: OidcLoginState): Promise<OidcIdentity> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const id = tokens.claims();
    if (!id) throw new Error('the provider returned no ID token');
    const info = await client.fetchUserInfo(config, tokens.access_token, id.sub);
    const claims: Record<string, unknown> = { ...info, ...id };
    const pick = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : '');
    const username = pick(this.options.userClaim ?? 'preferred_username') || pick('email') || id.sub;
    return { subject: id.sub, username, email: pick('email'), name: pick('name') };
  }
}
