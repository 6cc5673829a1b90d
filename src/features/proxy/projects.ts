/**
 * The `RemoteContent` the registry consults for proxy-cache and group
 * projects (src/core/remote.ts), their settings (kept in memory, reloaded
 * from the store), the push refusal, and what a group's recent pulls were
 * answered by.
 */
import { blobUnknown, manifestUnknown, RegistryError } from '../../core/errors.ts';
import type { Caller } from '../../core/hooks.ts';
import type { ManifestRecord } from '../../core/ports.ts';
import type { Registry } from '../../core/registry.ts';
import type { RemoteBlob, RemoteContent } from '../../core/remote.ts';
import type { ProxyCache } from './proxy-cache.ts';
import type { ProxySettings, ProxyStore } from './store.ts';

export interface GroupPull {
  repository: string;
  reference: string;
  member: string;
  digest: string;
  at: string;
}

const RECENT = 50;

export class ProxyProjects implements RemoteContent {
  private settings = new Map<string, ProxySettings>();
  private readonly recent = new Map<string, GroupPull[]>();
  /** Which member served a group repository last: its blobs are looked for there first. */
  private readonly lastMember = new Map<string, string>();

  constructor(
    private readonly registry: Registry,
    private readonly store: ProxyStore,
    private readonly cache: ProxyCache,
  ) {}

  async reload(): Promise<void> {
    const next = new Map<string, ProxySettings>();
    for (const s of await this.store.list()) next.set(s.project, s);
    this.settings = next;
  }

  settingsOf(project: string): ProxySettings | undefined {
    return this.settings.get(project);
  }

  all(): ProxySettings[] {
    return [...this.settings.values()];
  }

  async save(settings: ProxySettings): Promise<void> {
    await this.store.put(settings);
    this.settings.set(settings.project, settings);
  }

  async remove(project: string): Promise<void> {
    await this.store.delete(project);
    this.settings.delete(project);
    this.recent.delete(project);
  }

  covers(repository: string): boolean {
    if (this.settings.size === 0) return false;
    const slash = repository.indexOf('/');
    return slash > 0 && this.settings.has(repository.slice(0, slash));
  }

  /** The settings of the project holding `repository`, when it is a proxy cache or a group. */
  projectOf(repository: string): ProxySettings | undefined {
    const slash = repository.indexOf('/');
    return slash > 0 ? this.settings.get(repository.slice(0, slash)) : undefined;
  }

  async manifest(repository: string, reference: string, _caller: Caller): Promise<ManifestRecord> {
    const s = this.projectOf(repository);
    if (!s) return this.registry.manifestRecord(repository, reference);
    if (s.registryId !== null) return this.cache.manifest(s.project, s.registryId, repository, reference);
    return this.groupManifest(s, repository, reference);
  }

  async blob(repository: string, digest: string, _caller: Caller, head: boolean): Promise<RemoteBlob> {
    const s = this.projectOf(repository);
    if (!s) return { size: await this.registry.blobSize(repository, digest) };
    if (s.registryId !== null) return this.cache.blob(s.project, s.registryId, repository, digest, head);
    return this.groupBlob(s, repository, digest, head);
  }

  /**
   * Drops cached manifests of proxy projects not pulled for `maxAgeMs` (their
   * tags go with them); the blobs they leave unreferenced are reclaimed by
   * garbage collection. Returns how many were dropped.
   */
  async expireUnused(maxAgeMs: number, now = Date.now()): Promise<number> {
    const before = new Date(now - maxAgeMs).toISOString();
    let dropped = 0;
    for (const s of this.settings.values()) {
      if (s.registryId === null) continue;
      for (const m of await this.store.unusedManifests(s.project, before, 1000)) {
        if (await this.registry.metadata.deleteManifest(m.repository, m.digest)) dropped++;
      }
    }
    return dropped;
  }

  recentPulls(project: string): GroupPull[] {
    return [...(this.recent.get(project) ?? [])].reverse();
  }

  private async groupManifest(s: ProxySettings, repository: string, reference: string): Promise<ManifestRecord> {
    const rest = repository.slice(s.project.length + 1);
    const failures: string[] = [];
    for (const member of s.members ?? []) {
      const memberRepo = `${member}/${rest}`;
      const ms = this.settings.get(member);
      try {
        const record =
          ms?.registryId != null
            ? await this.cache.manifest(member, ms.registryId, memberRepo, reference)
            : await this.registry.manifestRecord(memberRepo, reference);
        this.answered(s.project, repository, reference, member, record.digest);
        return record;
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        if (err.code === 'UPSTREAM_UNAVAILABLE') failures.push(`${member}: ${err.message}`);
        else if (err.code !== 'MANIFEST_UNKNOWN' && err.code !== 'NAME_UNKNOWN') throw err;
      }
    }
    if (failures.length > 0)
      throw new RegistryError(
        'UPSTREAM_UNAVAILABLE',
        `no member of group ${s.project} could answer: ${failures.join('; ')}`,
      );
    throw manifestUnknown(reference);
  }

  private async groupBlob(s: ProxySettings, repository: string, digest: string, head: boolean): Promise<RemoteBlob> {
    const rest = repository.slice(s.project.length + 1);
    const members = [...(s.members ?? [])];
    const preferred = this.lastMember.get(repository);
    if (preferred && members.includes(preferred))
      members.sort((a, b) => Number(b === preferred) - Number(a === preferred));
    let failure: RegistryError | null = null;
    for (const member of members) {
      const memberRepo = `${member}/${rest}`;
      const ms = this.settings.get(member);
      if (ms?.registryId == null) {
        const size = await this.registry.metadata.repositoryBlobSize(memberRepo, digest);
        if (size !== null) return { size };
        continue;
      }
      try {
        return await this.cache.blob(member, ms.registryId, memberRepo, digest, head);
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
        if (err.code === 'UPSTREAM_UNAVAILABLE') failure = err;
        else if (err.code !== 'BLOB_UNKNOWN') throw err;
      }
    }
    throw failure ?? blobUnknown(digest);
  }

  private answered(group: string, repository: string, reference: string, member: string, digest: string): void {
    this.lastMember.set(repository, member);
    if (this.lastMember.size > 10_000) this.lastMember.clear();
    let list = this.recent.get(group);
    if (!list) {
      list = [];
      this.recent.set(group, list);
    }
    list.push({ repository, reference, member, digest, at: new Date().toISOString() });
    if (list.length > RECENT) list.shift();
  }
}
