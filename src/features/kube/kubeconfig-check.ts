/**
 * What a kubeconfig may contain before Berth uses it. Only inline data is
 * accepted: a credential plugin (`exec`, an `auth-provider` with `cmd-path`)
 * would run a command on the server, and a file reference (`token-file`,
 * `client-certificate`, `certificate-authority`, …) would read a server file
 * and send it to the address in the kubeconfig. Each user and cluster entry
 * is checked against a list of known inline fields, so a field client-node
 * learns later is refused until it is looked at. In-cluster or exec
 * authentication, if ever wanted, is an explicit operator setting.
 */
import { KubeInvalidError } from './errors.ts';

const USER_FIELDS = new Set([
  'token',
  'client-certificate-data',
  'client-key-data',
  'username',
  'password',
  'as',
  'as-uid',
  'as-groups',
  'as-user-extra',
  'extensions',
]);
const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'disable-compression',
  'proxy-url',
  'extensions',
]);
const WHY: Record<string, string> = {
  exec: 'it would run a command on the server',
  'auth-provider': 'it may run a command on the server (cmd-path) or read local files',
  'token-file': 'it would send a file of the server as a token',
  tokenFile: 'it would send a file of the server as a token',
  'client-certificate': 'it would read a file of the server (use client-certificate-data)',
  'client-key': 'it would read a file of the server (use client-key-data)',
  'certificate-authority': 'it would read a file of the server (use certificate-authority-data)',
};

export interface KubeconfigEndpoints {
  /** The server URL of every cluster entry, and its proxy-url when set. */
  urls: string[];
}

/**
 * In-cluster mode (an explicit operator setting, kube.in_cluster): the one
 * kubeconfig Berth writes for its own service account may name the token and
 * CA files the kubelet mounts in that folder, and nothing else.
 */
function serviceAccountFile(field: string, value: unknown, dir: string | undefined): boolean {
  if (!dir) return false;
  if (field === 'certificate-authority') return value === `${dir}/ca.crt`;
  if (field !== 'auth-provider' || typeof value !== 'object' || value === null) return false;
  const p = value as { name?: unknown; config?: Record<string, unknown> };
  const keys = Object.keys(p.config ?? {});
  return p.name === 'tokenFile' && keys.length === 1 && p.config?.tokenFile === `${dir}/token`;
}

/** Throws KubeInvalidError (400 naming `kubeconfig`) unless every user and cluster entry is inline-only. */
export function checkKubeconfig(
  // biome-ignore lint/suspicious/noExplicitAny: a kubeconfig is free-form YAML until checked.
  doc: any,
  options: { serviceAccountDir?: string } = {},
): KubeconfigEndpoints {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new KubeInvalidError('kubeconfig', 'kubeconfig must be a YAML mapping');
  const refuse = (where: string, field: string) =>
    new KubeInvalidError(
      'kubeconfig',
      `kubeconfig ${where}: "${field}" is not accepted: ${WHY[field] ?? 'only inline credentials and certificates are accepted'}`,
    );
  const entries = (key: string) => {
    const list = doc[key] ?? [];
    if (!Array.isArray(list)) throw new KubeInvalidError('kubeconfig', `kubeconfig "${key}" must be a list`);
    return list as Array<Record<string, unknown>>;
  };
  for (const entry of entries('users')) {
    const user = entry?.user ?? {};
    if (typeof user !== 'object' || Array.isArray(user))
      throw new KubeInvalidError('kubeconfig', 'kubeconfig users[].user must be a mapping');
    for (const field of Object.keys(user as object))
      if (
        !USER_FIELDS.has(field) &&
        !serviceAccountFile(field, (user as Record<string, unknown>)[field], options.serviceAccountDir)
      )
        throw refuse(`user "${String(entry?.name ?? '')}"`, field);
  }
  const urls: string[] = [];
  for (const entry of entries('clusters')) {
    const cluster = entry?.cluster ?? {};
    if (typeof cluster !== 'object' || Array.isArray(cluster))
      throw new KubeInvalidError('kubeconfig', 'kubeconfig clusters[].cluster must be a mapping');
    const c = cluster as Record<string, unknown>;
    for (const field of Object.keys(c))
      if (!CLUSTER_FIELDS.has(field) && !serviceAccountFile(field, c[field], options.serviceAccountDir))
        throw refuse(`cluster "${String(entry?.name ?? '')}"`, field);
    for (const field of ['server', 'proxy-url'])
      if (c[field] !== undefined) {
        if (typeof c[field] !== 'string' || !/^https?:\/\//i.test(c[field] as string))
          throw new KubeInvalidError('kubeconfig', `kubeconfig cluster ${field} must be an http(s) URL`);
        urls.push(c[field] as string);
      }
  }
  return { urls };
}
