/** The port for console sessions: rows keyed by the hash of the session id (the id itself is never stored). */
export interface SessionRecord {
  idHash: string;
  accountId: number;
  username: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  createSession(record: SessionRecord): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  sessionByHash(idHash: string, now: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<void>;
  /** Removes every session of an account (password change, deletion). */
  deleteSessionsOf(accountId: number): Promise<void>;
  deleteExpiredSessions(now: string): Promise<number>;
}
