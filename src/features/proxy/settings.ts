/**
 * Checking and saving what makes a project a proxy cache or a group, from a
 * project create/update body (`registry_id`, Harbor's; `group_members`,
 * Berth's). Errors name the field.
 */
import type { RegistriesService } from '../registries/service.ts';
import type { ProxyProjects } from './projects.ts';

export class ProxySettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProxySettingsError';
  }
}

export interface SettingsDeps {
  projects: ProxyProjects;
  registries: RegistriesService;
  /** True when a project of that name exists. */
  projectExists(name: string): Promise<boolean>;
}

export interface SettingsInput {
  registry_id?: unknown;
  group_members?: unknown;
}

/** Validates the fields for `project` (null: a project about to be created with `name`). */
export async function checkSettings(
  deps: SettingsDeps,
  body: SettingsInput,
  name: string,
  existing: boolean,
): Promise<void> {
  const current = existing ? deps.projects.settingsOf(name) : undefined;
  const registryId = body.registry_id;
  const members = body.group_members;
  if (registryId !== undefined && registryId !== null) {
    if (!Number.isInteger(registryId) || (registryId as number) < 1)
      throw new ProxySettingsError('registry_id', 'registry_id must be the id of a registry');
    if (members !== undefined && members !== null)
      throw new ProxySettingsError(
        'group_members',
        'a project is a proxy cache (registry_id) or a group (group_members), not both',
      );
    if (existing && current?.registryId !== registryId)
      throw new ProxySettingsError('registry_id', 'the upstream registry of a project cannot change');
    try {
      await deps.registries.get(registryId as number);
    } catch {
      throw new ProxySettingsError('registry_id', `registry ${registryId} does not exist`);
    }
  }
  if (members !== undefined && members !== null) {
    if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== 'string' || !m))
      throw new ProxySettingsError('group_members', 'group_members must be a non-empty list of project names');
    if (existing && current && current.members === null)
      throw new ProxySettingsError('group_members', `project ${name} is a proxy cache, not a group`);
    if (existing && !current)
      throw new ProxySettingsError(
        'group_members',
        `project ${name} is a hosted project; only a new project can be a group`,
      );
    if (new Set(members).size !== members.length)
      throw new ProxySettingsError('group_members', 'group_members lists a project twice');
    for (const m of members as string[]) {
      if (m === name) throw new ProxySettingsError('group_members', 'a group cannot be its own member');
      if (!(await deps.projectExists(m))) throw new ProxySettingsError('group_members', `project ${m} does not exist`);
      if (deps.projects.settingsOf(m)?.members)
        throw new ProxySettingsError('group_members', `${m} is a group; groups do not nest`);
    }
  }
}

export async function saveSettings(deps: SettingsDeps, body: SettingsInput, name: string): Promise<void> {
  if (typeof body.registry_id === 'number' && !deps.projects.settingsOf(name))
    await deps.projects.save({ project: name, registryId: body.registry_id, members: null });
  else if (Array.isArray(body.group_members))
    await deps.projects.save({ project: name, registryId: null, members: body.group_members as string[] });
}
