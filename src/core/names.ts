import { RegistryError } from './errors.ts';

// Repository name and tag grammar from the OCI distribution spec.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function assertName(name: string): void {
  if (!isValidName(name)) throw new RegistryError('NAME_INVALID', 'invalid repository name', { name });
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** The project of a repository is its first path segment (`team/app` → `team`). */
export function projectOf(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? name : name.slice(0, slash);
}
