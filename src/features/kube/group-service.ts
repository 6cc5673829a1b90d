/**
 * Connection groups: registries that mirror one upstream, in priority order,
 * rendered for containerd (`hosts.toml`) and CRI-O/podman (`registries.conf`).
 */
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from './errors.ts';
import { containerdHostsFiles, type MirrorGroup, registriesConf, validateMirrorGroup } from './mirrors.ts';
import type { GroupMember, GroupRecord, KubeStore } from './store.ts';

export interface GroupInput {
  name?: string;
  upstream?: string;
  upstreamInsecure?: boolean;
  members?: GroupMember[];
}

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The project a Berth mirror map (`ns` host → project) binds to `upstream`; Docker Hub answers to three names. */
export function mirrorProjectOf(map: ReadonlyMap<string, string>, upstream: string): string | undefined {
  const host = upstream.toLowerCase();
  const hub = host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
  return map.get(host) ?? (hub ? (map.get('docker.io') ?? map.get('index.docker.io')) : undefined);
}

export class GroupService {
  /**
   * `mirrorProjects`: this Berth's `ns` host → project map (BERTH_PROXY_MIRRORS),
   * the default project of a member in mirror mode.
   */
  constructor(
    private readonly store: KubeStore,
    private readonly mirrorProjects: ReadonlyMap<string, string> = new Map(),
  ) {}

  list(): Promise<GroupRecord[]> {
    return this.store.listGroups();
  }

  async get(id: number): Promise<GroupRecord> {
    const group = await this.store.groupById(id);
    if (!group) throw new KubeNotFoundError(`connection group ${id} not found`);
    return group;
  }

  async create(input: GroupInput): Promise<GroupRecord> {
    if (typeof input.name !== 'string' || !NAME_RE.test(input.name)) {
      throw new KubeInvalidError('name', 'name must be 1-63 lowercase letters, digits or "-"');
    }
    const group = {
      name: input.name,
      upstream: input.upstream ?? '',
      upstreamInsecure: input.upstreamInsecure ?? false,
      members: input.members ?? [],
    };
    await this.resolve(group);
    const created = await this.store.createGroup(group);
    if (!created) throw new KubeConflictError(`a connection group named "${input.name}" already exists`);
    return created;
  }

  async update(id: number, input: GroupInput): Promise<GroupRecord> {
    const current = await this.get(id);
    if (input.name !== undefined && input.name !== current.name) {
      throw new KubeInvalidError('name', 'name cannot be changed');
    }
    const next = {
      ...current,
      ...(input.upstream !== undefined ? { upstream: input.upstream } : {}),
      ...(input.upstreamInsecure !== undefined ? { upstreamInsecure: input.upstreamInsecure } : {}),
      ...(input.members !== undefined ? { members: input.members } : {}),
    };
    await this.resolve(next);
    const updated = await this.store.updateGroup(id, {
      upstream: next.upstream,
      upstreamInsecure: next.upstreamInsecure,
      members: next.members,
    });
    if (!updated) throw new KubeNotFoundError(`connection group ${id} not found`);
    return updated;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.store.deleteGroup(id))) throw new KubeNotFoundError(`connection group ${id} not found`);
  }

  /** The groups (all, or those named by id) as the runtimes' mirror configuration. */
  async mirrors(
    format: 'containerd' | 'registries.conf',
    groupIds: number[] = [],
  ): Promise<{ format: 'containerd'; files: Map<string, string> } | { format: 'registries.conf'; text: string }> {
    let groups = await this.store.listGroups();
    for (const id of groupIds) {
      if (!groups.some((g) => g.id === id)) throw new KubeNotFoundError(`connection group ${id} not found`);
    }
    if (groupIds.length > 0) groups = groups.filter((g) => groupIds.includes(g.id));
    const resolved: MirrorGroup[] = [];
    for (const g of groups) resolved.push(await this.resolve(g));
    if (format === 'containerd') return { format, files: containerdHostsFiles(resolved) };
    return { format, text: registriesConf(resolved) };
  }

  /** The group with its members' addresses; checks every field on the way. */
  private async resolve(group: Pick<GroupRecord, 'upstream' | 'upstreamInsecure' | 'members'>): Promise<MirrorGroup> {
    if (typeof group.upstream !== 'string' || group.upstream === '') {
      throw new KubeInvalidError('upstream', 'upstream is required: the registry host images name, e.g. docker.io');
    }
    if (!Array.isArray(group.members)) throw new KubeInvalidError('members', 'members must be a list');
    const mirrors = [];
    for (const [i, m] of group.members.entries()) {
      if (!Number.isInteger(m?.connectionId)) {
        throw new KubeInvalidError(`members[${i}].connection_id`, `members[${i}].connection_id must be a number`);
      }
      const conn = await this.store.connectionById(m.connectionId);
      if (!conn) {
        throw new KubeInvalidError(`members[${i}].connection_id`, `registry connection ${m.connectionId} not found`);
      }
      if (m.nsMirror) {
        const project = m.project || mirrorProjectOf(this.mirrorProjects, group.upstream);
        if (!project) {
          throw new KubeInvalidError(
            `members[${i}].project`,
            `members[${i}] is a Berth mirror of ${group.upstream}, which BERTH_PROXY_MIRRORS does not map to a project: name the project (CRI-O needs it)`,
          );
        }
        mirrors.push({ address: conn.address, project, namespace: true });
      } else mirrors.push({ address: conn.address, ...(m.project ? { project: m.project } : {}) });
    }
    const resolved = { upstream: group.upstream, upstreamInsecure: group.upstreamInsecure, mirrors };
    const problems = validateMirrorGroup(resolved);
    if (problems.length > 0) throw new KubeInvalidError('upstream', problems.join('; '));
    return resolved;
  }
}
