/**
 * Registry mirrors with priority: a connection group (internal registry
 * first, then the upstream, e.g. docker.io) rendered for the two container
 * runtimes' configuration formats:
 * - containerd: one `certs.d/<upstream>/hosts.toml` per upstream;
 * - CRI-O / podman: `registries.conf` (v2), one `[[registry]]` per upstream.
 * In both, mirrors are tried in the order given and the upstream itself last.
 */
import { checkAddress, isPlainHttp, normaliseAddress } from './connections.ts';

export interface MirrorEndpoint {
  /** `https://harbor.example.com` or `http://10.0.0.5:8080` (a connection's address). */
  address: string;
  /**
   * A project that proxies the upstream (a Berth or Harbor proxy-cache
   * project, e.g. `dockerhub-proxy`): pulls of `docker.io/library/nginx` go
   * to `<address>/v2/dockerhub-proxy/library/nginx`.
   */
  project?: string;
  /**
   * Berth's mirror mode: containerd is pointed at the registry root and sends
   * `?ns=<upstream>`, which Berth maps to the project bound to that upstream
   * (BERTH_PROXY_MIRRORS), so one mirror entry serves any upstream. CRI-O and
   * podman send no `ns`: for them the `project` path is used.
   */
  namespace?: boolean;
  /** Default pull + resolve. `resolve` lets the mirror answer tag lookups. */
  capabilities?: Array<'pull' | 'resolve' | 'push'>;
}

export interface MirrorGroup {
  /** The registry host images are named with: `docker.io`, `ghcr.io`, `reg.local:5000`. */
  upstream: string;
  /** Mirrors in priority order; the upstream is tried after all of them. */
  mirrors: MirrorEndpoint[];
  /** The upstream itself speaks plain HTTP. */
  upstreamInsecure?: boolean;
}

const HOST_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;
const PROJECT_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function validateMirrorGroup(group: MirrorGroup): string[] {
  const errors: string[] = [];
  if (!HOST_RE.test(group.upstream)) {
    errors.push(`upstream "${group.upstream}" must be a registry host such as docker.io or reg.local:5000 (no scheme)`);
  }
  group.mirrors.forEach((m, i) => {
    const problem = checkAddress(m.address);
    if (problem) errors.push(`mirrors[${i}].${problem}`);
    if (m.project !== undefined && !PROJECT_RE.test(m.project)) {
      errors.push(`mirrors[${i}].project "${m.project}" is not a valid project path`);
    }
  });
  return errors;
}

function assertValid(groups: MirrorGroup[]): void {
  const errors = groups.flatMap(validateMirrorGroup);
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.upstream)) errors.push(`upstream "${g.upstream}" appears in more than one group`);
    seen.add(g.upstream);
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
}

/** Where the runtimes reach an upstream by default (Docker Hub's API host differs from its name). */
function upstreamServer(group: MirrorGroup): string {
  const scheme = group.upstreamInsecure ? 'http' : 'https';
  const host = group.upstream === 'docker.io' ? 'registry-1.docker.io' : group.upstream;
  return `${scheme}://${host}`;
}

// ------------------------------------------------------------------ containerd

/**
 * Files for containerd's `config_path` (usually /etc/containerd/certs.d),
 * keyed by their path relative to it: `docker.io/hosts.toml`.
 */
export function containerdHostsFiles(groups: MirrorGroup[]): Map<string, string> {
  assertValid(groups);
  const files = new Map<string, string>();
  for (const group of groups) {
    const lines = [
      `# Written by Berth: mirrors for ${group.upstream}, tried in order; ${group.upstream} itself last.`,
      `server = ${tomlString(upstreamServer(group))}`,
    ];
    if (group.upstreamInsecure) lines.push('skip_verify = true');
    for (const mirror of group.mirrors) {
      const base = normaliseAddress(mirror.address);
      const byProject = mirror.project && !mirror.namespace;
      const url = byProject ? `${base}/v2/${mirror.project}` : base;
      lines.push('', `[host.${tomlString(url)}]`);
      lines.push(`  capabilities = [${(mirror.capabilities ?? ['pull', 'resolve']).map(tomlString).join(', ')}]`);
      // Plain-HTTP mirrors: containerd speaks HTTP to an http:// host, and
      // skip_verify keeps a fallback to TLS from failing on its certificate.
      if (isPlainHttp(base)) lines.push('  skip_verify = true');
      // The project path already contains /v2/: containerd must not add another.
      if (byProject) lines.push('  override_path = true');
    }
    // containerd names the directory after the host; ':' becomes a literal in the path.
    files.set(`${group.upstream}/hosts.toml`, `${lines.join('\n')}\n`);
  }
  return files;
}

// ------------------------------------------------------------- CRI-O / podman

/** Berth itself as the mirror of `upstream` (`?ns=` mode for containerd, the project for CRI-O), the upstream last. */
export function berthMirrorGroup(berthAddress: string, upstream: string, project: string): MirrorGroup {
  return { upstream, mirrors: [{ address: berthAddress, project, namespace: true }] };
}

/** A `registries.conf` (v2) for /etc/containers/registries.conf or a drop-in under registries.conf.d/. */
export function registriesConf(groups: MirrorGroup[]): string {
  assertValid(groups);
  const lines = ['# Written by Berth: mirrors are tried in order, then the registry itself.'];
  for (const group of groups) {
    lines.push(
      '',
      '[[registry]]',
      `prefix = ${tomlString(group.upstream)}`,
      `location = ${tomlString(group.upstream)}`,
    );
    if (group.upstreamInsecure) lines.push('insecure = true');
    for (const mirror of group.mirrors) {
      const url = new URL(normaliseAddress(mirror.address));
      const location = mirror.project ? `${url.host}/${mirror.project}` : url.host;
      lines.push('', '[[registry.mirror]]', `location = ${tomlString(location)}`);
      if (isPlainHttp(mirror.address)) lines.push('insecure = true');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A TOML basic string. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
