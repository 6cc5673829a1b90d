/**
 * Projects' and members' use cases, once, for every caller: the management
 * API (src/http/api/access/projects.ts, members.ts) and the CLI
 * (src/cli/project.ts) create, change and delete them here, and each change
 * is audited here with who asked and from where. Who may do it is the
 * caller's business (the API checks roles; the CLI runs as the server's owner).
 */
import { isValidName } from '../names.ts';
import type { MemberRecord, ProjectRecord, UserRecord } from './ports.ts';
import { deleteProject, type ProjectRepositories } from './project-deletion.ts';
import { type Actor, Refusal } from './refusal.ts';
import type { ProjectRole } from './roles.ts';
import type { AccessService } from './service.ts';

/** Throws unless `name` can name a project: one path segment of a repository name. */
export function checkProjectName(name: string): void {
  if (!isValidName(name) || name.includes('/') || name.length > 255)
    throw new Refusal('invalid', 'project_name must be lower case letters, digits and . _ - separators');
}

export interface ProjectDraft {
  name: string;
  public: boolean;
  /** Owner and first project admin; null: none (auth off, or the CLI without --owner). */
  ownerId: number | null;
}

export class ProjectService {
  constructor(
    private readonly access: AccessService,
    private readonly repositories: ProjectRepositories,
  ) {}

  private audit(
    actor: Actor,
    project: string,
    resource: string,
    resourceType: 'project' | 'member',
    operation: string,
  ) {
    return this.access.audit({
      username: actor.name,
      resource,
      resourceType,
      operation,
      result: 'success',
      project,
      address: actor.address,
    });
  }

  /**
   * Creates the project; `settle` runs once the row exists and before its owner
   * becomes project admin (features store their settings of it there).
   */
  async create(
    draft: ProjectDraft,
    actor: Actor,
    settle?: (created: ProjectRecord) => Promise<void>,
  ): Promise<ProjectRecord> {
    checkProjectName(draft.name);
    const created = await this.access.store.createProject(draft);
    if (!created) throw new Refusal('conflict', `project ${draft.name} already exists`);
    await settle?.(created);
    if (draft.ownerId) await this.access.store.addMember(created.id, draft.ownerId, 'projectAdmin');
    await this.audit(actor, draft.name, draft.name, 'project', 'create');
    return created;
  }

  async setPublic(project: ProjectRecord, flag: boolean, actor: Actor): Promise<void> {
    await this.access.store.updateProject(project.id, { public: flag });
    await this.audit(actor, project.name, project.name, 'project', flag ? 'make_public' : 'make_private');
  }

  /** The repositories of `project` (itself and `project/…`), up to `limit`. */
  repositoriesOf(project: string, limit: number): Promise<string[]> {
    return this.repositories.projectRepositories(project, limit);
  }

  /** Deletes it (ProjectNotEmptyError while it holds repositories, unless `force`); the repositories deleted. */
  async delete(project: ProjectRecord, options: { force?: boolean }, actor: Actor): Promise<string[]> {
    const gone = await deleteProject({ store: this.access.store, repositories: this.repositories }, project, options);
    await this.audit(actor, project.name, project.name, 'project', 'delete');
    return gone;
  }

  // ------------------------------------------------------------------ members

  async addMember(project: ProjectRecord, user: UserRecord, role: ProjectRole, actor: Actor): Promise<MemberRecord> {
    const created = await this.access.store.addMember(project.id, user.id, role);
    if (!created) throw new Refusal('conflict', `${user.username} is already a member of ${project.name}`);
    await this.audit(actor, project.name, `${user.username}:${role}`, 'member', 'add');
    return created;
  }

  async setMemberRole(project: ProjectRecord, member: MemberRecord, role: ProjectRole, actor: Actor): Promise<void> {
    await this.access.store.updateMember(member.id, role);
    await this.audit(actor, project.name, `${member.username}:${role}`, 'member', 'update');
  }

  async removeMember(project: ProjectRecord, member: MemberRecord, actor: Actor): Promise<void> {
    await this.access.store.removeMember(member.id);
    await this.audit(actor, project.name, member.username, 'member', 'remove');
  }

  /** Makes `user` a `role` of `project` whether or not a member yet; role null: no member. */
  async setMember(project: ProjectRecord, user: UserRecord, role: ProjectRole | null, actor: Actor) {
    const members = await this.access.store.listMembers(project.id, { offset: 0, limit: 100_000 });
    const existing = members.items.find((m) => m.userId === user.id);
    if (role === null) {
      if (existing) await this.access.store.removeMember(existing.id);
      await this.audit(actor, project.name, user.username, 'member', 'remove');
    } else if (existing) await this.setMemberRole(project, existing, role, actor);
    else await this.addMember(project, user, role, actor);
  }
}
