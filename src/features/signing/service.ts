/**
 * The signing feature: trusted keys (per project and registry-wide), the
 * per-project gate switches, and verdicts per artifact.
 *
 * Verdicts are cached per repository and digest. Every change a verdict
 * depends on (a key, a switch, a signature pushed or deleted) bumps one
 * counter in the metadata store; each node clears its caches when it sees the
 * counter move (checked once a second in the background, and at once for the
 * node's own changes). The pull path reads the cache; it verifies only on a
 * miss (the first pull of a digest after a change).
 */
import { isDigest } from '../../core/digest.ts';
import {
  collectChecks,
  formatOfType,
  isSignatureArtifact,
  type SignatureRecord,
  type SignatureSource,
  signatureTag,
} from './collect.ts';
import { KeyError, parseCertificate, parsePublicKey } from './keys.ts';
import type { SigningPolicy, SigningStore } from './store.ts';
import { type TrustedKeyRecord, type TrustedSet, trustedSet } from './trust.ts';
import { refusalFor, type SignatureCheck, type SignatureFormat, type Verdict } from './verdict.ts';

export interface SignatureAccessory {
  digest: string;
  size: number;
  mediaType: string;
  artifactType: string | null;
  createdAt: string | null;
  format: SignatureFormat;
  /** cosign's `sha256-<hex>.sig` tag (no OCI subject) rather than a referrer. */
  tagScheme: boolean;
  checks: SignatureCheck[];
}

export interface KeyInput {
  name?: unknown;
  public_key?: unknown;
  certificate?: unknown;
}

export class SigningService {
  private verdicts = new Map<string, Promise<Verdict>>();
  /** The value of each verdict promise once it has settled: read without a promise on the hot path. */
  private readonly settled = new WeakMap<Promise<Verdict>, Verdict>();
  private policies = new Map<string, Promise<{ projectId: number | null; policy: SigningPolicy }>>();
  private trust = new Map<number, Promise<TrustedSet>>();
  private seenVersion = -1;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: SigningStore,
    private readonly source: SignatureSource,
    private readonly options: { now?: () => Date; pollMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /** Starts watching the shared counter (other nodes' changes). */
  async start(): Promise<void> {
    await this.refreshVersion();
    const ms = this.options.pollMs ?? 1000;
    this.timer = setInterval(() => this.refreshVersion().catch((err) => this.options.onError?.(err)), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async refreshVersion(): Promise<void> {
    const v = await this.store.version();
    if (v !== this.seenVersion) {
      this.seenVersion = v;
      this.clear();
    }
  }

  private clear(): void {
    this.generation++;
    this.verdicts.clear();
    this.policies.clear();
    this.trust.clear();
  }

  /** A change made here: clear now, and tell the other nodes through the counter. */
  async changed(): Promise<void> {
    this.clear();
    this.seenVersion = await this.store.bumpVersion();
  }

  // ---------------------------------------------------------------- keys

  /** Validates and stores a key; KeyError (→ 400) names the field at fault. */
  async addKey(projectId: number | null, input: KeyInput): Promise<TrustedKeyRecord | null> {
    const name = input.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._ -]{0,127}$/.test(name))
      throw new KeyError('name', 'name must be 1-128 letters, digits, spaces or . _ -');
    const hasKey = input.public_key !== undefined;
    const hasCert = input.certificate !== undefined;
    if (hasKey === hasCert) throw new KeyError('public_key', 'give exactly one of public_key or certificate');
    const parsed = hasKey
      ? parsePublicKey(input.public_key as string, 'public_key')
      : parseCertificate(input.certificate as string, 'certificate');
    const kind = hasCert || 'cert' in parsed ? 'certificate' : 'public_key';
    const added = await this.store.addKey({
      projectId,
      name,
      kind,
      pem: (hasKey ? input.public_key : input.certificate) as string,
      algorithm: parsed.algorithm,
      fingerprint: parsed.fingerprint,
    });
    if (added) await this.changed();
    return added;
  }

  listKeys(projectId: number | null): Promise<TrustedKeyRecord[]> {
    return this.store.listKeys(projectId);
  }

  async deleteKey(projectId: number | null, id: number): Promise<boolean> {
    const gone = await this.store.deleteKey(projectId, id);
    if (gone) await this.changed();
    return gone;
  }

  // ---------------------------------------------------------------- policy

  policy(projectId: number): Promise<SigningPolicy> {
    return this.store.policy(projectId);
  }

  async setPolicy(projectId: number, patch: Partial<SigningPolicy>): Promise<void> {
    const current = await this.store.policy(projectId);
    const next = { ...current, ...patch };
    if (next.cosign === current.cosign && next.notation === current.notation) return;
    await this.store.setPolicy(projectId, next);
    await this.changed();
  }

  private projectPolicy(repository: string) {
    const project = repository.split('/')[0];
    let p = this.policies.get(project);
    if (!p) {
      p = (async () => {
        const projectId = await this.store.projectIdByName(project);
        return {
          projectId,
          policy: projectId === null ? { cosign: false, notation: false } : await this.store.policy(projectId),
        };
      })();
      this.policies.set(project, p);
      p.catch(() => this.policies.delete(project));
    }
    return p;
  }

  private trustFor(projectId: number): Promise<TrustedSet> {
    let t = this.trust.get(projectId);
    if (!t) {
      t = Promise.all([this.store.listKeys(projectId), this.store.listKeys(null)]).then(([a, b]) =>
        trustedSet([...a, ...b]),
      );
      this.trust.set(projectId, t);
      t.catch(() => this.trust.delete(projectId));
    }
    return t;
  }

  // ---------------------------------------------------------------- verdicts

  /** The cached verdict if it is known now (no computing, no promise): the pull gate's fast path. */
  knownVerdict(repository: string, digest: string): Verdict | undefined {
    const pending = this.verdicts.get(`${repository}@${digest}`);
    return pending && this.settled.get(pending);
  }

  /** The cached verdict (computed on a miss). */
  verdict(repository: string, digest: string): Promise<Verdict> {
    const key = `${repository}@${digest}`;
    const hit = this.verdicts.get(key);
    if (hit) return hit;
    const generation = this.generation;
    const computed = this.compute(repository, digest, true);
    this.verdicts.set(key, computed);
    computed.then(
      (value) => {
        // A change landed while computing: this answer may predate it.
        if (this.generation !== generation) this.verdicts.delete(key);
        else this.settled.set(computed, value);
      },
      () => this.verdicts.delete(key),
    );
    if (this.verdicts.size > 100_000) this.verdicts.delete(this.verdicts.keys().next().value as string);
    return computed;
  }

  /** Every signature of an artifact with its check (for the artifact API), whatever the switches say. */
  async inspect(repository: string, digest: string): Promise<Verdict> {
    const { projectId } = await this.projectPolicy(repository);
    const trust = projectId === null ? trustedSet([]) : await this.trustFor(projectId);
    const checks = await collectChecks(this.source, trust, { digest, repository, now: this.now() });
    const signed = checks.some((c) => c.valid);
    return { status: signed ? 'signed' : checks.length ? 'invalid' : 'unsigned', checks };
  }

  /**
   * The artifact's signature manifests (tag scheme and referrers) with the
   * checks of their signatures: what the artifact API lists as accessories.
   */
  async accessories(repository: string, digest: string): Promise<SignatureAccessory[]> {
    const verdict = await this.inspect(repository, digest);
    const records = new Map<string, SignatureRecord & { createdAt?: string }>();
    const tagged = await this.source.manifestByTag(repository, signatureTag(digest));
    if (tagged) records.set(tagged.digest, tagged);
    for (const r of await this.source.referrers(repository, digest))
      if (formatOfType(r.artifactType)) records.set(r.digest, r);
    return [...records.values()].map((r) => {
      const checks = verdict.checks.filter((c) => c.manifest === r.digest);
      return {
        digest: r.digest,
        size: r.size,
        mediaType: r.mediaType,
        artifactType: r.artifactType,
        createdAt: r.createdAt ?? null,
        format: checks[0]?.format ?? formatOfType(r.artifactType) ?? 'cosign',
        tagScheme: r.digest === tagged?.digest,
        checks,
      };
    });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private async compute(repository: string, digest: string, viaParents: boolean): Promise<Verdict> {
    const { projectId, policy } = await this.projectPolicy(repository);
    if (projectId === null || (!policy.cosign && !policy.notation)) return { status: 'ungated', checks: [] };
    if (!isDigest(digest)) return { status: 'invalid', refusal: 'signature required: unknown digest', checks: [] };
    if (isSignatureArtifact(await this.source.manifestBytes(digest))) return { status: 'exempt', checks: [] };
    const trust = await this.trustFor(projectId);
    const checks = await collectChecks(this.source, trust, { digest, repository, now: this.now() });
    const refusals: string[] = [];
    if (policy.cosign && !checks.some((c) => c.valid && c.format !== 'notation'))
      refusals.push(refusalFor('cosign', checks));
    if (policy.notation && !checks.some((c) => c.valid && c.format === 'notation'))
      refusals.push(refusalFor('notation', checks));
    if (refusals.length === 0) return { status: 'signed', checks };
    // Index rule: a manifest listed by a signed index in this repository passes with it.
    if (viaParents) {
      for (const parent of await this.store.parents(repository, digest)) {
        const v = await this.compute(repository, parent, false);
        if (v.status === 'signed') return { status: 'signed', checks: v.checks.filter((c) => c.valid) };
      }
    }
    return { status: checks.length ? 'invalid' : 'unsigned', refusal: refusals.join('; '), checks };
  }
}
