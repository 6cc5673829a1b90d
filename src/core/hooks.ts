/**
 * The registry's seams for optional features: guards that may refuse a use
 * case before it changes anything (quota, immutable tags, proxy projects,
 * signature and vulnerability gates), and events told after a change was
 * committed (tag history, webhooks, replication, scans).
 *
 * Guards run in the order they were added; the first to throw a
 * RegistryError refuses the request and nothing is written. Listeners run
 * after the commit; they must be quick (enqueue a job) and their failures are
 * reported to `onListenerError`, never to the client whose request succeeded.
 */
import type { ManifestRecord } from './ports.ts';

/** Who asks, as the use cases see it; the HTTP layer and the CLI fill it in. */
export interface Caller {
  /** Account name (`admin`, `robot$team+ci`); null when anonymous or auth is off. */
  actor: string | null;
  /** True for reads made by the management API or an admin's inspection (not a client pull). */
  inspection?: boolean;
}

export const anonymousCaller: Caller = { actor: null };

export interface ManifestPutCheck {
  repository: string;
  /** The tag being set; null for a push by digest. */
  tag: string | null;
  digest: string;
  /** The digest the tag pointed to before; null when new or by digest. */
  previous: string | null;
  mediaType: string;
  size: number;
  /** Blobs (config and layers) and child manifests the manifest names. */
  blobs: string[];
  manifests: string[];
  subject: string | null;
  caller: Caller;
}

export interface TagDeleteCheck {
  repository: string;
  tag: string;
  digest: string;
  caller: Caller;
}

export interface ManifestDeleteCheck {
  repository: string;
  digest: string;
  caller: Caller;
}

export interface BlobLinkCheck {
  repository: string;
  digest: string;
  size: number;
  /** How the blob arrives: an upload's bytes or a mount from another repository. */
  via: 'upload' | 'mount';
  caller: Caller;
}

export interface PullCheck {
  repository: string;
  reference: string;
  record: ManifestRecord;
  caller: Caller;
  /** True for a HEAD (digest and size only, no content): gates may let it through, as Harbor does. */
  headOnly?: boolean;
}

/** Each hook may throw a RegistryError to refuse; optional hooks cost nothing when absent. */
export interface RegistryGuard {
  readonly name: string;
  beforeManifestPut?(check: ManifestPutCheck): Promise<void>;
  beforeTagDelete?(check: TagDeleteCheck): Promise<void>;
  beforeManifestDelete?(check: ManifestDeleteCheck): Promise<void>;
  beforeBlobLink?(check: BlobLinkCheck): Promise<void>;
  /** May answer synchronously (a cached verdict): every manifest GET runs it. */
  beforeManifestPull?(check: PullCheck): void | Promise<void>;
}

export type RegistryEvent =
  | {
      type: 'manifest.pushed';
      repository: string;
      digest: string;
      tag: string | null;
      previous: string | null;
      mediaType: string;
      subject: string | null;
      size: number;
      actor: string | null;
      at: string;
    }
  | { type: 'manifest.deleted'; repository: string; digest: string; actor: string | null; at: string }
  | { type: 'tag.deleted'; repository: string; tag: string; digest: string; actor: string | null; at: string }
  | {
      type: 'manifest.pulled';
      repository: string;
      digest: string;
      tag: string | null;
      actor: string | null;
      at: string;
    }
  | { type: 'blob.linked'; repository: string; digest: string; size: number; actor: string | null; at: string };

const EVENT_TYPES: ReadonlyArray<RegistryEvent['type']> = [
  'manifest.pushed',
  'manifest.deleted',
  'tag.deleted',
  'manifest.pulled',
  'blob.linked',
];

export type RegistryListener = (event: RegistryEvent) => void | Promise<void>;

type GuardHook = Exclude<keyof RegistryGuard, 'name'>;

/** The guards and listeners of one Registry. */
export class RegistryHooks {
  private readonly guards: RegistryGuard[] = [];
  private readonly listeners: RegistryListener[] = [];
  /** The listeners of each event type: a manifest GET tells only those that asked for pulls (hot path). */
  private readonly byType = new Map<RegistryEvent['type'], RegistryListener[]>();
  /** Hooks some guard implements: lets hot paths skip the work of building a check. */
  private readonly present = new Set<GuardHook>();

  constructor(private readonly onListenerError: (err: unknown, event: RegistryEvent) => void = () => {}) {}

  addGuard(guard: RegistryGuard): void {
    this.guards.push(guard);
    for (const hook of [
      'beforeManifestPut',
      'beforeTagDelete',
      'beforeManifestDelete',
      'beforeBlobLink',
      'beforeManifestPull',
    ] as const) {
      if (guard[hook]) this.present.add(hook);
    }
  }

  /** Adds a listener for `types` (every type when none are named). */
  on(listener: RegistryListener, types?: ReadonlyArray<RegistryEvent['type']>): void {
    this.listeners.push(listener);
    for (const type of types ?? EVENT_TYPES) {
      const list = this.byType.get(type);
      if (list) list.push(listener);
      else this.byType.set(type, [listener]);
    }
  }

  /** Whether some listener wants events of `type`: lets a hot path skip building one. */
  listensTo(type: RegistryEvent['type']): boolean {
    return this.byType.has(type);
  }

  has(hook: GuardHook): boolean {
    return this.present.has(hook);
  }

  get listening(): boolean {
    return this.listeners.length > 0;
  }

  /** Runs the guards of `hook` in order; synchronous while each answers synchronously (no promise on a hot path). */
  check<H extends GuardHook>(hook: H, check: Parameters<NonNullable<RegistryGuard[H]>>[0]): void | Promise<void> {
    if (!this.present.has(hook)) return;
    return this.checkFrom(0, hook, check);
  }

  private checkFrom<H extends GuardHook>(
    first: number,
    hook: H,
    check: Parameters<NonNullable<RegistryGuard[H]>>[0],
  ): void | Promise<void> {
    for (let i = first; i < this.guards.length; i++) {
      const guard = this.guards[i];
      const fn = guard[hook] as ((c: typeof check) => void | Promise<void>) | undefined;
      const pending = fn?.call(guard, check);
      if (pending) return pending.then(() => this.checkFrom(i + 1, hook, check));
    }
  }

  emit(event: RegistryEvent): void {
    for (const listener of this.byType.get(event.type) ?? []) {
      try {
        const done = listener(event);
        if (done && typeof (done as Promise<void>).catch === 'function')
          (done as Promise<void>).catch((err) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}
