/**
 * Pull secrets: the `kubernetes.io/dockerconfigjson` Secret for a registry
 * connection, rendered exactly as `kubectl create secret docker-registry
 * NAME --docker-server=… --docker-username=… --docker-password=…
 * [--docker-email=…] [-n NS] --dry-run=client -o yaml|json` prints it
 * (kubectl 1.32), and the container snippet that uses it.
 */
import { goJsonCompact, goJsonIndent, yamlScalar } from './go-encoding.ts';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';

export interface PullSecretInput {
  /** Secret name (a DNS-1123 subdomain). */
  name: string;
  /** Namespace; omitted from the output when absent, as kubectl does without -n. */
  namespace?: string;
  /** `--docker-server`: kept as given, scheme included (the connection's address). */
  server: string;
  username: string;
  password: string;
  email?: string;
}

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateSecretName(name: string): string | null {
  if (name.length > 253 || !SUBDOMAIN_RE.test(name)) {
    return `secret name "${name}" must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters`;
  }
  return null;
}

export function validateNamespace(namespace: string): string | null {
  if (namespace.length > 63 || !LABEL_RE.test(namespace)) {
    return `namespace "${namespace}" must be a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters`;
  }
  return null;
}

/** The JSON text kubectl stores under `.dockerconfigjson` (Go field order, omitempty). */
export function dockerConfigJson(input: Pick<PullSecretInput, 'server' | 'username' | 'password' | 'email'>): string {
  const auth = Buffer.from(`${input.username}:${input.password}`, 'utf8').toString('base64');
  const entry = {
    username: input.username || undefined,
    password: input.password || undefined,
    email: input.email || undefined,
    auth,
  };
  return goJsonCompact({ auths: { [input.server]: entry } });
}

/** The Secret object (as the API and kubectl see it). */
export function pullSecretObject(input: PullSecretInput) {
  assertValid(input);
  return {
    kind: 'Secret' as const,
    apiVersion: 'v1' as const,
    metadata: {
      name: input.name,
      ...(input.namespace ? { namespace: input.namespace } : {}),
      creationTimestamp: null,
    },
    data: { [DOCKER_CONFIG_JSON_KEY]: Buffer.from(dockerConfigJson(input), 'utf8').toString('base64') },
    type: DOCKER_CONFIG_JSON_TYPE,
  };
}

/** `kubectl … -o json`: four-space indent, Go's field order, trailing newline. */
export function pullSecretJson(input: PullSecretInput): string {
  return `${goJsonIndent(pullSecretObject(input))}\n`;
}

/** `kubectl … -o yaml`: keys sorted, as sigs.k8s.io/yaml writes them. */
export function pullSecretYaml(input: PullSecretInput): string {
  const secret = pullSecretObject(input);
  const lines = [
    'apiVersion: v1',
    'data:',
    `  ${DOCKER_CONFIG_JSON_KEY}: ${secret.data[DOCKER_CONFIG_JSON_KEY]}`,
    'kind: Secret',
    'metadata:',
    '  creationTimestamp: null',
    `  name: ${yamlScalar(input.name)}`,
  ];
  if (input.namespace) lines.push(`  namespace: ${yamlScalar(input.namespace)}`);
  lines.push(`type: ${DOCKER_CONFIG_JSON_TYPE}`);
  return `${lines.join('\n')}\n`;
}

function assertValid(input: PullSecretInput): void {
  const problems = [
    validateSecretName(input.name),
    input.namespace === undefined ? null : validateNamespace(input.namespace),
    input.server ? null : 'server is required',
    input.username ? null : 'username is required',
    input.password ? null : 'password is required',
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

// ------------------------------------------------------------ container snippet

export const PULL_POLICIES = {
  IfNotPresent: 'Pull only when the node does not have the image yet; best for immutable tags and digests.',
  Always:
    'Resolve the tag with the registry on every container start (layers already on the node are reused); for moving tags like latest.',
  Never: 'Never pull; the image must already be on the node, or the container fails with ErrImageNeverPull.',
} as const;
export type PullPolicy = keyof typeof PULL_POLICIES;

/**
 * Kubernetes' default imagePullPolicy for an image (SetDefaults_Container):
 * Always when the tag is `latest`, or when there is neither tag nor digest
 * (the tag then defaults to latest); IfNotPresent otherwise. A digest does not
 * change a `:latest@sha256:…` tag, as in Kubernetes.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  const [name = '', digest] = image.trim().split('@');
  const lastColon = name.lastIndexOf(':');
  const tag = lastColon > name.lastIndexOf('/') ? name.slice(lastColon + 1) : undefined;
  if (tag === undefined) return digest ? 'IfNotPresent' : 'Always';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface ContainerSnippetInput {
  secretName: string;
  image: string;
  policy: PullPolicy;
  containerName?: string;
}

/** A pod spec fragment using the secret, with a comment explaining the policy. */
export function containerSnippetYaml(input: ContainerSnippetInput): string {
  const explanation = PULL_POLICIES[input.policy];
  if (!explanation) throw new Error(`imagePullPolicy must be one of ${Object.keys(PULL_POLICIES).join(', ')}`);
  const nameError = validateSecretName(input.secretName);
  if (nameError) throw new Error(nameError);
  const container = input.containerName ?? 'app';
  return [
    'spec:',
    '  imagePullSecrets:',
    `    - name: ${yamlScalar(input.secretName)}`,
    '  containers:',
    `    - name: ${yamlScalar(container)}`,
    `      image: ${goJsonStringIfNeeded(input.image)}`,
    `      # ${input.policy}: ${explanation}`,
    `      imagePullPolicy: ${input.policy}`,
    '',
  ].join('\n');
}

// Image references may contain ':' and '@', which YAML reads fine unquoted
// except after a space; quote only when something unusual appears.
function goJsonStringIfNeeded(image: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(image) ? image : JSON.stringify(image);
}
