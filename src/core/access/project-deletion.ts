/**
 * Deleting a project, one rule for the API and the CLI (as Harbor): a project
 * that still holds repositories is not deleted (the error names what remains),
 * unless deletion is forced, which deletes those repositories first. Either
 * way a project re-created under the same name starts empty: it cannot
 * inherit another owner's private images.
 */
import type { MetadataStore } from '../ports.ts';
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

/** The repositories of project `name` (itself, and every `name/…`), up to `limit`. */
export async function repositoriesOfProject(metadata: MetadataStore, name: string, limit: number): Promise<string[]> {
  const out: string[] = (await metadata.repositoryExists(name)) ? [name] : [];
  let last = name;
  for (;;) {
    if (out.length >= limit) return out.slice(0, limit);
    const page = await metadata.listRepositories({ last, n: 100 });
    for (const repo of page) {
      // Names sort bytewise: `name-x`, `name.x` come before `name/…`, `name0` after.
      if (!repo.startsWith(name)) return out;
      if (repo.startsWith(`${name}/`)) out.push(repo);
      if (out.length >= limit) return out;
    }
    if (page.length < 100) return out;
    last = page[page.length - 1];
  }
}

export interface ProjectDeletionDeps {
  store: AccessStore;
  metadata: MetadataStore;
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
    const held = await repositoriesOfProject(deps.metadata, project.name, 6);
    if (held.length > 0) throw new ProjectNotEmptyError(project.name, held.slice(0, 5), held.length > 5);
    await deps.store.deleteProject(project.id);
    return [];
  }
  const deleted: string[] = [];
  for (;;) {
    const batch = await repositoriesOfProject(deps.metadata, project.name, 100);
    if (batch.length === 0) break;
    for (const repo of batch) if (await deps.metadata.deleteRepository(repo)) deleted.push(repo);
  }
  await deps.store.deleteProject(project.id);
  return deleted;
}
