/** The console's own paths for registry things (repository names keep their slashes). */

export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}

export function projectRoute(
  project: string,
  tab?: 'members' | 'robots' | 'logs' | 'signing' | 'webhooks' | 'settings' | 'policies',
): string {
  return `/projects/${encodeURIComponent(project)}${tab ? `/${tab}` : ''}`;
}

export function repositoryRoute(repository: string): string {
  const project = projectOf(repository);
  const rest = repository === project ? repository : repository.slice(project.length + 1);
  return `/projects/${project}/repositories/${rest}`;
}

export function artifactRoute(repository: string, reference: string): string {
  return `${repositoryRoute(repository)}/artifacts/${reference}`;
}
