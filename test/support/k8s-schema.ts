/**
 * Offline validation of Kubernetes objects against the API types shipped in
 * @kubernetes/client-node (generated from the Kubernetes OpenAPI): every
 * field must exist in its type, with the right JSON type, recursively. kubectl's
 * own validation (`apply/create --dry-run=client`) downloads the schema from
 * an API server, and none can run on these machines.
 */
import * as k8s from '@kubernetes/client-node';

type Attr = { name: string; baseName: string; type: string; format: string };
type Model = { getAttributeTypeMap(): Attr[] };

/** apiVersion of each kind the deploy manifests use. */
const API_VERSIONS: Record<string, string> = {
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  PersistentVolumeClaim: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Ingress: 'networking.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  StorageClass: 'storage.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
};

function check(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  const fail = (what: string): void => {
    errors.push(`${path}: expected ${what}, got ${JSON.stringify(value)}`);
  };
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') fail('a string');
  } else if (type === 'number') {
    if (typeof value !== 'number') fail('a number');
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') fail('a boolean');
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && typeof value !== 'number') fail('an integer or a string');
  } else if (type === 'any' || type === 'object') {
    // free-form
  } else if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) {
      fail('a list');
      return;
    }
    for (const [i, v] of value.entries()) check(v, type.slice(6, -1), `${path}[${i}]`, errors);
  } else if (type.startsWith('{ [key: string]: ')) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      fail('a map');
      return;
    }
    const inner = type.slice('{ [key: string]: '.length, -3);
    for (const [k, v] of Object.entries(value)) check(v, inner, `${path}.${k}`, errors);
  } else {
    const model = (k8s as unknown as Record<string, Model | undefined>)[type];
    if (!model?.getAttributeTypeMap) {
      errors.push(`${path}: unknown type ${type}`);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      fail(`an object (${type})`);
      return;
    }
    const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
    for (const [k, v] of Object.entries(value)) {
      const attr = attrs.get(k);
      if (!attr) errors.push(`${path}.${k}: unknown field in ${type}`);
      else check(v, attr.format === 'int-or-string' ? 'IntOrString' : attr.type, `${path}.${k}`, errors);
    }
  }
}

/** Problems with one object (empty when valid). */
export function validateObject(obj: Record<string, unknown>): string[] {
  const kind = String(obj.kind);
  const name = (obj.metadata as { name?: string } | undefined)?.name ?? '?';
  const where = `${kind}/${name}`;
  const expected = API_VERSIONS[kind];
  if (!expected) return [`${where}: kind not known to the validator`];
  if (obj.apiVersion !== expected) return [`${where}: apiVersion ${obj.apiVersion}, expected ${expected}`];
  const errors: string[] = [];
  check(obj, `V1${kind}`, where, errors);
  if (!name || name === '?') errors.push(`${where}: metadata.name is required`);
  return errors;
}
