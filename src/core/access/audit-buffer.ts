/**
 * Successful pulls are most of the audit log and arrive on the registry's
 * hottest path: writing each as it comes costs an INSERT per manifest GET.
 * They are gathered here and written in one multi-row insert every second
 * (or every 500 events); everything else — logins, pushes, deletions,
 * refusals, permission changes — is written at once by the caller.
 * A reader flushes first, so this node's log is never behind its own reads.
 *
 * Within one batch, a pull repeated by the same caller, of the same artifact,
 * from the same address and with the same result is kept once: a client in
 * a loop (or a node's kubelet retrying) made the log grow by thousands of
 * identical rows a second, and the log says who read what from where, while
 * the pull counts are kept exactly elsewhere (the traffic recorder).
 */
import type { AccessStore, NewAuditEvent } from './ports.ts';

const FLUSH_EVERY_MS = 1000;
const FLUSH_AT = 500;

export class AuditBuffer {
  private pending: NewAuditEvent[] = [];
  /** Identities of the events pending, for the repeats above. */
  private seen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<AccessStore, 'appendAudit'>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * `at` gives the event's time (it is written later); asked only for an
   * event that is not a repeat, as most pulls in a busy second are.
   */
  add(event: NewAuditEvent, at: () => string): void {
    const key = `${event.username}\0${event.resource}\0${event.operation}\0${event.result}\0${event.address}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.pending.push(event.time ? event : { ...event, time: at() });
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
    this.seen = new Set();
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
