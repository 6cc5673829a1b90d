/**
 * In-cluster mode: when Berth runs as a pod, a cluster connection can use
 * the pod's own service account instead of a kubeconfig. The kubeconfig made
 * here only points at the standard files (token, CA) that the kubelet mounts
 * and rotates, and at the API server's in-cluster address, so the stored
 * connection keeps working as the token is renewed. Allowed only when
 * `kube.in_cluster` is set (BERTH_KUBE_IN_CLUSTER=true); the RBAC the service
 * account needs is in docs/kubernetes.md and deploy/helm/berth/templates/rbac.yaml.
 */
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class InClusterError extends Error {}

export function inClusterKubeconfig(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = env.BERTH_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR,
): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new InClusterError('not running in a cluster: KUBERNETES_SERVICE_HOST is not set');
  for (const file of ['token', 'ca.crt'])
    if (!existsSync(join(dir, file)))
      throw new InClusterError(`no service account ${file} in ${dir} (is automountServiceAccountToken off?)`);
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: in-cluster',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${join(dir, 'ca.crt')}`,
    'users:',
    '- name: service-account',
    '  user:',
    '    auth-provider:',
    '      name: tokenFile',
    '      config:',
    `        tokenFile: ${join(dir, 'token')}`,
    'contexts:',
    '- name: in-cluster',
    '  context:',
    '    cluster: in-cluster',
    '    user: service-account',
    'current-context: in-cluster',
    '',
  ].join('\n');
}
