/**
 * Console sessions: the browser holds only an opaque id in an HttpOnly cookie
 * (never a password, never a bearer token readable by scripts) and echoes a
 * CSRF token on every write. Logging out deletes the row, so a copied cookie
 * stops working at once; rows expire after `ttlSeconds`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord, SessionStore } from './store.ts';

export const SESSION_COOKIE = 'berth_session';
export const CSRF_COOKIE = 'berth_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionServiceOptions {
  ttlSeconds: number;
  now?: () => Date;
}

export interface OpenedSession {
  /** Goes into the HttpOnly cookie; only its hash is stored. */
  id: string;
  csrfToken: string;
  expiresAt: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

export class SessionService {
  private lastSweep = 0;

  constructor(
    private readonly store: SessionStore,
    private readonly options: SessionServiceOptions,
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async open(account: { id: number; username: string }): Promise<OpenedSession> {
    const id = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.options.ttlSeconds * 1000).toISOString();
    await this.store.createSession({
      idHash: hash(id),
      accountId: account.id,
      username: account.username,
      csrfToken,
      createdAt: now.toISOString(),
      expiresAt,
    });
    await this.sweep(now);
    return { id, csrfToken, expiresAt };
  }

  /** The live session for a cookie value, or null. */
  async resolve(id: string | undefined): Promise<SessionRecord | null> {
    if (!id || id.length > 100) return null;
    return this.store.sessionByHash(hash(id), this.now().toISOString());
  }

  async end(id: string | undefined): Promise<void> {
    if (id && id.length <= 100) await this.store.deleteSession(hash(id));
  }

  endAllOf(accountId: number): Promise<void> {
    return this.store.deleteSessionsOf(accountId);
  }

  static csrfMatches(session: SessionRecord, sent: string | undefined): boolean {
    if (!sent) return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrfToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Drops expired rows now and then (at most once a minute), on logins. */
  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < 60_000) return;
    this.lastSweep = now.getTime();
    await this.store.deleteExpiredSessions(now.toISOString());
  }
}

/** One cookie's value from a Cookie header (no dependency: `cookie` 2.x needs Node 22). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
