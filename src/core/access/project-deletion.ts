/**
 * Deleting a project, one rule for the API and the CLI (as Harbor): a project
 * that still holds repositories is not deleted (the error names what remains),
 * unless deletion is forced, which deletes those repositories first. Either
 * way a project re-created under the same name starts empty: it cannot
 * inherit another owner's private images.
 */
import type { AccessStore, ProjectRecord } from './ports.ts';

export class ProjectNotEmptyError extends Error {
  constructor(
    readonly project: string,
    readonly repositories: string[],
    readonly more: boolean,
  ) {
    const shown = repositories.map((r) => `"${r}"`).join(', ');
    super(
      `project ${project} still holds repositories: ${shown}${more ? ' and more' : ''}; delete them first, or delete the project with force`,
    );
    this.name = 'ProjectNotEmptyError';
  }
}

/** The registry's side of a project: its repositories (Registry answers it). */
export interface ProjectRepositories {
  /** The repositories of project `project` (itself, and every `project/…`), up to `limit`. */
  projectRepositories(project: string, limit: number): Promise<string[]>;
  deleteRepository(name: string): Promise<boolean>;
}

export interface ProjectDeletionDeps {
  store: AccessStore;
  repositories: ProjectRepositories;
}

/**
 * Deletes `project`; without `force`, throws ProjectNotEmptyError while it
 * holds repositories. With `force`, its repositories (tags, manifests, blob
 * links, upload sessions) go first; the blobs themselves are left to garbage
 * collection. Returns the repositories deleted.
 */
export async function deleteProject(
  deps: ProjectDeletionDeps,
  project: ProjectRecord,
  options: { force?: boolean } = {},
): Promise<string[]> {
  if (!options.force) {
    const held = await deps.repositories.projectRepositories(project.name, 6);
    if (held.length > 0) throw new ProjectNotEmptyError(project.name, held.slice(0, 5), held.length > 5);
    await deps.store.deleteProject(project.id);
    return [];
  }
  const deleted: string[] = [];
  for (;;) {
    const batch = await deps.repositories.projectRepositories(project.name, 100);
    if (batch.length === 0) break;
    for (const repo of batch) if (await deps.repositories.deleteRepository(repo)) deleted.push(repo);
  }
  await deps.store.deleteProject(project.id);
  return deleted;
}
