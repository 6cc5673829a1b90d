/**
 * Successful pulls are most of the audit log and arrive on the registry's
 * hottest path: writing each as it comes costs an INSERT per manifest GET.
 * They are gathered here and written in one multi-row insert every second
 * (or every 500 events); everything else — logins, pushes, deletions,
 * refusals, permission changes — is written at once by the caller.
 * A reader flushes first, so this node's log is never behind its own reads.
 */
import type { AccessStore, NewAuditEvent } from './ports.ts';

const FLUSH_EVERY_MS = 1000;
const FLUSH_AT = 500;

export class AuditBuffer {
  private pending: NewAuditEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<AccessStore, 'appendAudit'>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** `event` must carry its time: it is written later. */
  add(event: NewAuditEvent & { time: string }): void {
    this.pending.push(event);
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending; batches go in order, one at a time. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.appendAudit(batch);
      } catch (err) {
        this.onError(err);
      }
    });
    return this.writing;
  }
}
