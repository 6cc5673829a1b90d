/**
 * The reference for pull-secret bytes: `kubectl create secret docker-registry
 * … --dry-run=client -o yaml|json` (kubectl 1.32 on these machines), run with
 * no kubeconfig so it never reaches a cluster.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PullSecretInput } from '../../src/features/kube/pullsecret.ts';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
export const haveKubectl = existsSync(KUBECTL);

export function kubectl(input: PullSecretInput, output: 'yaml' | 'json'): string {
  const args = ['create', 'secret', 'docker-registry', input.name];
  args.push(
    `--docker-server=${input.server}`,
    `--docker-username=${input.username}`,
    `--docker-password=${input.password}`,
  );
  if (input.email !== undefined) args.push(`--docker-email=${input.email}`);
  if (input.namespace !== undefined) args.push('-n', input.namespace);
  args.push('--dry-run=client', '-o', output);
  // An empty KUBECONFIG path keeps kubectl away from any real cluster config.
  return execFileSync(KUBECTL, args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
}
