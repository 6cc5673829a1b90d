/**
 * Berth as a cluster's mirror: containerd and CRI-O configured with Berth as
 * a mirror of `docker.io` (or any host) send `/v2/<repo>/…?ns=docker.io`.
 * Such a request is answered by the proxy or group project bound to that
 * host: its path is rewritten to `/v2/<project>/<repo>/…` before routing, so
 * access rules, metrics and the proxy cache see an ordinary pull.
 */

/** Parses `docker.io=dockerhub,ghcr.io=ghcr` into a host → project map. */
export function parseMirrorMap(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (text ?? '').split(',')) {
    const [host, project] = part.split('=').map((s) => s.trim());
    if (host && project) map.set(host.toLowerCase(), project);
  }
  return map;
}

/** The rewritten URL of a mirror request, or null when the request is not one (or the host is not mapped). */
export function mirrorUrl(url: string, map: ReadonlyMap<string, string>): string | null {
  if (map.size === 0 || !url.startsWith('/v2/')) return null;
  const q = url.indexOf('?');
  if (q === -1) return null;
  const query = new URLSearchParams(url.slice(q + 1));
  const ns = query.get('ns');
  if (!ns) return null;
  // containerd names Docker Hub `docker.io`; `index.docker.io` and `registry-1.docker.io` are the same upstream.
  const host = ns.toLowerCase();
  const project =
    map.get(host) ?? (host === 'index.docker.io' || host === 'registry-1.docker.io' ? map.get('docker.io') : undefined);
  if (!project) return null;
  const path = url.slice('/v2/'.length, q);
  if (!/\/(manifests|blobs|tags)\//.test(path) || path.startsWith(`${project}/`)) return null;
  query.delete('ns');
  const rest = query.toString();
  return `/v2/${project}/${path}${rest ? `?${rest}` : ''}`;
}
