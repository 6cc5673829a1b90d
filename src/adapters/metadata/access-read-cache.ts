/**
 * The identity reads every authenticated request makes (the caller's account,
 * the repository's project, the caller's role in it), answered from memory.
 *
 * A Bearer manifest GET spent more time building these three Kysely queries
 * than on the rest of its work (bench/FINDINGS.md, "Auth on the hot path").
 * The answers are right without knowing which write touches what:
 *  - a write through this store (any method that is not a read) empties the
 *    cache once it has run, and announces itself to other nodes;
 *  - `feed.version()` changes when another process or node may have written
 *    (SQLite: `PRAGMA data_version`; PostgreSQL: a LISTEN/NOTIFY counter), and
 *    is read on every lookup;
 *  - a read that overlapped a write is not kept (generation check), so an
 *    answer computed before a revocation never outlives it;
 *  - entries expire after `maxAgeMs` in any case.
 * Time-dependent rules (robot expiry) are decided by the callers on every
 * request from the cached record, so they stay exact.
 */
import type { AccessStore } from '../../core/access/ports.ts';

export interface ChangeFeed {
  /** A value that changes whenever another process or node may have written identities. */
  version(): unknown;
  /** Tells the other processes or nodes that this one wrote (optional; never throws). */
  announce?(): Promise<void>;
}

/** For stores that cannot tell: every lookup sees a new version, so nothing is served from memory. */
export const noChangeFeed: ChangeFeed = {
  version: () => Symbol(),
};

const CACHED_READS = new Set<string>(['userByName', 'robotByName', 'projectByName', 'memberRole']);
/** Calls that change identities: everything cached is dropped when one has run. */
const WRITES = /^(create|update|delete|add|remove)[A-Z]/;

export interface AccessReadCacheOptions {
  maxAgeMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export function cachingAccessStore(
  inner: AccessStore,
  feed: ChangeFeed,
  options: AccessReadCacheOptions = {},
): AccessStore {
  const maxAge = options.maxAgeMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 20_000;
  const now = options.now ?? Date.now;
  const answers = new Map<string, { value: unknown; until: number }>();
  let seenVersion: unknown = feed.version();
  let generation = 0;

  const invalidate = () => {
    generation++;
    answers.clear();
  };

  /** Empties the cache when another process or node may have written; returns what this cache's answers rest on. */
  const changeMark = (): number => {
    const version = feed.version();
    if (version !== seenVersion) {
      seenVersion = version;
      invalidate();
    }
    return generation;
  };

  async function cachedRead(name: string, target: AccessStore, args: unknown[]): Promise<unknown> {
    changeMark();
    const key = `${name}\0${args.join('\0')}`;
    const hit = answers.get(key);
    const t = now();
    if (hit && hit.until > t) return hit.value;
    const started = generation;
    const value = await (target[name as keyof AccessStore] as (...a: unknown[]) => Promise<unknown>).apply(
      target,
      args,
    );
    if (started === generation && feed.version() === seenVersion) {
      if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string);
      answers.set(key, { value, until: t + maxAge });
    }
    return value;
  }

  async function write(name: string, target: AccessStore, args: unknown[]): Promise<unknown> {
    // Cleared before (readers in flight will not keep their answers) and after (what they read meanwhile).
    invalidate();
    try {
      return await (target[name as keyof AccessStore] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    } finally {
      invalidate();
      await feed.announce?.();
    }
  }

  // One wrapper per method, made at its first use: every authenticated request looks up two or three.
  const wrappers = new Map<string, unknown>();
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'changeMark') return changeMark;
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      let wrapper = wrappers.get(prop);
      if (wrapper) return wrapper;
      // Other reads (lists, by id, the audit log) run on the store itself, uncached.
      if (CACHED_READS.has(prop)) wrapper = (...args: unknown[]) => cachedRead(prop, target, args);
      else if (WRITES.test(prop)) wrapper = (...args: unknown[]) => write(prop, target, args);
      else return value.bind(target);
      wrappers.set(prop, wrapper);
      return wrapper;
    },
  });
}
