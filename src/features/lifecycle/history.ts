/**
 * Tag history: every change of a tag (push, move, delete, rollback,
 * retention) with digest, time and actor, recorded from the registry's events.
 *
 * Why exact: events are told after the commit, in commit order within this
 * process; each is written through one queue (so two quick pushes to a tag are
 * stored in the order they happened) with the event's own time, and a history
 * read first waits for the queue, so a read after a push sees it. Deletes by
 * digest remove tags without a tag event: the guard notes the tags first and
 * the `manifest.deleted` event records them. A rollback is recorded as such
 * by noting it before it pushes.
 */

import { manifestUnknown } from '../../core/errors.ts';
import type { Caller, RegistryEvent, RegistryGuard } from '../../core/hooks.ts';
import type { MetadataStore } from '../../core/ports.ts';
import type { Registry } from '../../core/registry.ts';
import type { HistoryEntry, LifecycleStore } from './ports.ts';

export class TagHistory {
  private queue: Promise<void> = Promise.resolve();
  /** Tags of manifests about to be deleted by digest, by `repository@digest`. */
  private readonly deleting = new Map<string, string[]>();
  /** `repository:tag@digest` pushes that are rollbacks. */
  private readonly rollbacks = new Set<string>();
  /** `repository@digest` deletes made by tag retention. */
  private readonly retention = new Set<string>();

  constructor(
    private readonly store: LifecycleStore,
    private readonly metadata: MetadataStore,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  private write(repository: string, tag: string, entry: HistoryEntry): void {
    this.queue = this.queue
      .then(() => this.store.recordHistory(repository, tag, entry))
      .catch((err) => this.onError(err));
  }

  /** Resolves once every event told so far is stored. */
  idle(): Promise<void> {
    return this.queue;
  }

  guard(): RegistryGuard {
    return {
      name: 'history',
      beforeManifestDelete: async (c) => {
        const tags = await this.metadata.tagsOf(c.repository, c.digest);
        if (tags.length > 0) this.deleting.set(`${c.repository}@${c.digest}`, tags);
      },
    };
  }

  listener = (e: RegistryEvent): void => {
    if (e.type === 'manifest.pushed' && e.tag !== null) {
      const key = `${e.repository}:${e.tag}@${e.digest}`;
      const rollback = this.rollbacks.delete(key);
      if (e.previous === e.digest && !rollback) return; // the same digest again: the tag did not change
      const operation = rollback ? 'rollback' : e.previous === null ? 'push' : 'move';
      this.write(e.repository, e.tag, { digest: e.digest, at: e.at, actor: e.actor, operation });
    } else if (e.type === 'tag.deleted') {
      this.write(e.repository, e.tag, { digest: e.digest, at: e.at, actor: e.actor, operation: 'delete' });
    } else if (e.type === 'manifest.deleted') {
      const key = `${e.repository}@${e.digest}`;
      const operation = this.retention.delete(key) ? 'retention' : 'delete';
      for (const tag of this.deleting.get(key) ?? [])
        this.write(e.repository, tag, { digest: e.digest, at: e.at, actor: e.actor, operation });
      this.deleting.delete(key);
    }
  };

  /** The next delete of `digest` is retention's: its tags' entries say "retention". */
  markRetention(repository: string, digest: string): void {
    this.retention.add(`${repository}@${digest}`);
  }

  unmarkRetention(repository: string, digest: string): void {
    this.retention.delete(`${repository}@${digest}`);
  }

  async list(repository: string, tag: string, limit = 100): Promise<HistoryEntry[]> {
    await this.idle();
    return this.store.history(repository, tag, limit);
  }

  /**
   * Moves `tag` back to `digest` (a manifest still in the repository), as a
   * push by the caller: immutable rules and quotas apply.
   */
  async rollback(registry: Registry, repository: string, tag: string, digest: string, caller: Caller): Promise<void> {
    const record = await registry.metadata.manifestByDigest(repository, digest);
    if (!record) throw manifestUnknown(digest);
    const bytes = await registry.manifestContent(digest);
    const key = `${repository}:${tag}@${digest}`;
    this.rollbacks.add(key);
    try {
      await registry.putManifest(repository, tag, bytes, record.mediaType, caller);
    } catch (err) {
      this.rollbacks.delete(key);
      throw err;
    }
    await this.idle();
  }
}
