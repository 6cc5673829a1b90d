/**
 * Parses a /v2 path into the resource it names. Repository names contain
 * slashes, so the resource is recognised from the end of the path.
 */
export type OciRoute =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'referrers'; name: string; digest: string };

const PATTERNS: [RegExp, (m: RegExpExecArray) => OciRoute][] = [
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1], reference: m[2] })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1], id: m[2] })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1], digest: m[2] })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1], digest: m[2] })],
];

/** `path` is the part after `/v2/`, without the query. Null when nothing matches. */
export function parseOciPath(path: string): OciRoute | null {
  if (path === '') return { kind: 'base' };
  if (path === '_catalog') return { kind: 'catalog' };
  for (const [re, build] of PATTERNS) {
    const m = re.exec(path);
    if (m) return build(m);
  }
  return null;
}

const parsedRoutes = new WeakMap<object, OciRoute | null>();

/**
 * The /v2 route of a request, parsed once per request whoever asks first (the
 * API itself, the access log, the audit and traffic hooks). Null for other
 * paths and for percent-encoded ones, which the API refuses.
 */
export function ociRouteOf(req: { url?: string }): OciRoute | null {
  const known = parsedRoutes.get(req);
  if (known !== undefined) return known;
  const url = req.url ?? '';
  let route: OciRoute | null = null;
  if (url.startsWith('/v2/')) {
    const q = url.indexOf('?');
    const path = url.slice('/v2/'.length, q === -1 ? undefined : q);
    route = path.includes('%') ? null : parseOciPath(path);
  }
  parsedRoutes.set(req, route);
  return route;
}
