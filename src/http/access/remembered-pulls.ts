/**
 * Pull decisions for Bearer and Basic callers, remembered for a moment. Every
 * pull of an image by docker, containerd, skopeo or podman carries the same
 * Authorization header for many requests; deciding one again (the token or
 * password, the account as it is now, the project and the caller's role in it)
 * cost as much as the rest of a manifest GET (bench/FINDINGS.md, "Session 9:
 * authenticated pulls").
 *
 * A remembered decision is used only while all of these hold:
 *  - the identity store's change mark is the one read before it was made: any
 *    write to accounts, robots, roles or projects, on this node or another,
 *    ends every remembered decision at once (a revoked robot or removed member
 *    is refused on its next request);
 *  - a Bearer token has not expired (a password change is a write: above);
 *  - at most `ttlMs` have passed (robot expiry dates, read on every request
 *    otherwise, are enforced within that time).
 * Only allowed pulls are remembered; refusals and pushes are decided each time.
 */
import type { Caller } from '../../core/hooks.ts';
import type { Identity } from './gate.ts';

interface Remembered {
  identity: Promise<Identity>;
  caller: Caller;
}

interface HeaderEntry {
  mark: unknown;
  until: number;
  repositories: Map<string, Remembered>;
}

export interface RememberedPullOptions {
  ttlMs?: number;
  /** Authorization headers remembered at once (the oldest goes first). */
  maxHeaders?: number;
  /** Repositories remembered per token. */
  maxRepositories?: number;
  now?: () => number;
}

export class RememberedPulls {
  private readonly byHeader = new Map<string, HeaderEntry>();
  private readonly ttlMs: number;
  private readonly maxHeaders: number;
  private readonly maxRepositories: number;
  private readonly now: () => number;

  constructor(
    private readonly changeMark: () => unknown,
    options: RememberedPullOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 2_000;
    this.maxHeaders = options.maxHeaders ?? 10_000;
    this.maxRepositories = options.maxRepositories ?? 64;
    this.now = options.now ?? Date.now;
  }

  /** The store's mark now: read it before deciding, hand it to `remember`. */
  mark(): unknown {
    return this.changeMark();
  }

  /** A remembered decision for a pull of `repository` with this Authorization header, if still good. */
  recall(authorization: string, repository: string): Remembered | undefined {
    const entry = this.byHeader.get(authorization);
    if (!entry) return undefined;
    if (entry.until <= this.now() || entry.mark !== this.changeMark()) {
      this.byHeader.delete(authorization);
      return undefined;
    }
    return entry.repositories.get(repository);
  }

  /** Remembers an allowed pull decided from the store as it was at `markBefore`. */
  remember(authorization: string, repository: string, identity: Identity, caller: Caller, markBefore: unknown): void {
    if (identity.inspection) return;
    if (identity.via !== 'basic' && (identity.via !== 'bearer' || identity.expiresAt === undefined)) return;
    // Something changed while deciding: the decision may predate it.
    if (this.changeMark() !== markBefore) return;
    let entry = this.byHeader.get(authorization);
    if (!entry || entry.mark !== markBefore) {
      if (this.byHeader.size >= this.maxHeaders) this.byHeader.delete(this.byHeader.keys().next().value as string);
      entry = {
        mark: markBefore,
        until: Math.min(this.now() + this.ttlMs, identity.expiresAt ?? Number.POSITIVE_INFINITY),
        repositories: new Map(),
      };
      this.byHeader.set(authorization, entry);
    }
    if (entry.repositories.size >= this.maxRepositories) return;
    entry.repositories.set(repository, { identity: Promise.resolve(identity), caller });
  }
}
