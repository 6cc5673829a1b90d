/**
 * The registry authentication dance: parse a `WWW-Authenticate` challenge,
 * then answer it with Basic credentials or a Bearer token fetched from the
 * challenge's realm (Docker's token protocol), cached per scope until expiry.
 */

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`; null when neither. */
export function parseChallenge(header: string | string[] | undefined): Challenge | null {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return null;
  const m = /^\s*(Basic|Bearer)\b\s*(.*)$/i.exec(text);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[2] ?? ''); p; p = re.exec(m[2] ?? '')) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] as string);
  }
  return { scheme: (m[1] as string).toLowerCase() as Challenge['scheme'], params };
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Bearer tokens by scope; a token is reused until 30 s before it expires. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  get(scope: string, now = Date.now()): string | null {
    const t = this.tokens.get(scope);
    if (!t) return null;
    if (t.expiresAt - 30_000 <= now) {
      this.tokens.delete(scope);
      return null;
    }
    return t.token;
  }

  set(scope: string, token: string, expiresInSeconds: number | undefined, now = Date.now()): void {
    // The distribution spec's default lifetime is 60 s when none is given.
    const seconds = Math.max(60, expiresInSeconds ?? 60);
    if (this.tokens.size > 1000) this.tokens.clear();
    this.tokens.set(scope, { token, expiresAt: now + seconds * 1000 });
  }

  clear(scope: string): void {
    this.tokens.delete(scope);
  }
}

/** The scope to ask a token for, for a repository and the actions wanted. */
export function repositoryScope(repository: string | null, actions: 'pull' | 'pull,push' | 'delete'): string {
  return repository === null ? '' : `repository:${repository}:${actions}`;
}
