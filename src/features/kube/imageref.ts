/**
 * Image references as the container runtimes read them: `nginx` is
 * `docker.io/library/nginx:latest`; the first path component is a registry
 * host when it has a '.' or ':', is `localhost`, or has upper-case letters.
 * Parsing is lenient about case in the repository so a diagnosis can point
 * out the wrong case instead of refusing the reference.
 */

export interface ImageRef {
  /** Registry host as written in image names (`docker.io`, `reg.local:5000`). */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const PATH_RE = /^[A-Za-z0-9]+(?:(?:\.|_|__|-+)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:\.|_|__|-+)[A-Za-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export class ImageRefError extends Error {}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new ImageRefError(`"${image}" has an invalid digest`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) throw new ImageRefError(`"${image}" has an invalid tag "${tag}"`);
  }
  let host = DOCKER_HUB;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    host = first.toLowerCase();
    rest = rest.slice(slash + 1);
  }
  if (!PATH_RE.test(rest)) throw new ImageRefError(`"${image}" has an invalid repository path "${rest}"`);
  if (DOCKER_HUB_ALIASES.has(host)) host = DOCKER_HUB;
  if (host === DOCKER_HUB && !rest.includes('/')) rest = `library/${rest}`;
  if (!tag && !digest) tag = 'latest';
  return { host, repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The manifest reference to ask the registry for: the digest when pinned. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.host}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Hosts that name the same registry compare equal (Docker Hub's aliases). */
export function sameRegistryHost(a: string, b: string): boolean {
  const norm = (h: string) => (DOCKER_HUB_ALIASES.has(h.toLowerCase()) ? DOCKER_HUB : h.toLowerCase());
  return norm(a) === norm(b);
}

/** Where a registry's API is served: Docker Hub's API host differs from its name. */
export function apiHost(host: string): string {
  return host === DOCKER_HUB ? 'registry-1.docker.io' : host;
}
