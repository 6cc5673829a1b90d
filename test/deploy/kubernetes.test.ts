/**
 * Kubernetes deploy files: the Helm chart (rendered by deploy/helm/render.ts,
 * Helm itself cannot be installed here) and the kustomize overlays
 * (`kubectl kustomize`) give the same objects; the generated kustomize base
 * matches the chart; every object is valid against the Kubernetes API types.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { BASE_HEADER, CHART_DIR, renderChart, toDocuments } from '../../deploy/helm/render.ts';
import { REPO_ROOT } from '../support/berth.ts';
import { validateObject } from '../support/k8s-schema.ts';

type Obj = Record<string, unknown>;
const KUSTOMIZE = join(REPO_ROOT, 'deploy', 'kustomize');

function kustomize(overlay: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, 'overlays', overlay)], { encoding: 'utf8' });
  return YAML.parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

/** Order-free form: objects by kind/name, lists of named items by name, no namespace (kustomize adds it). */
function normalize(objects: Obj[]): Obj[] {
  const sortNamed = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(sortNamed);
      const named = items.every((i) => typeof i === 'object' && i !== null && typeof (i as Obj).name === 'string');
      return named ? items.sort((a, b) => String((a as Obj).name).localeCompare(String((b as Obj).name))) : items;
    }
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortNamed(x)]));
    return v;
  };
  return objects
    .map((o) => {
      const copy = sortNamed(structuredClone(o)) as Obj;
      delete (copy.metadata as Obj).namespace;
      return copy;
    })
    .sort((a, b) => `${a.kind}/${(a.metadata as Obj).name}`.localeCompare(`${b.kind}/${(b.metadata as Obj).name}`));
}

const find = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);

describe('Helm chart and kustomize', () => {
  const single = renderChart();
  const ha = renderChart({ valuesFiles: [join(CHART_DIR, 'values-ha.yaml')] });

  test('the kustomize base is the chart rendered with its defaults (regenerate: deploy/helm/render.ts)', () => {
    const committed = readFileSync(join(KUSTOMIZE, 'base', 'berth.yaml'), 'utf8');
    assert.equal(committed, BASE_HEADER + toDocuments(single));
  });

  test('kubectl kustomize overlays/single gives the chart with values.yaml', () => {
    const objects = kustomize('single');
    assert.deepEqual(normalize(objects), normalize(single));
    for (const o of objects)
      if (o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding' && o.kind !== 'StorageClass')
        assert.equal((o.metadata as Obj).namespace, 'berth', `${o.kind} namespaced`);
  });

  test('kubectl kustomize overlays/ha gives the chart with values-ha.yaml', () => {
    assert.deepEqual(normalize(kustomize('ha')), normalize(ha));
  });

  test('every object is valid against the Kubernetes API types', () => {
    for (const o of [...single, ...ha, ...kustomize('single'), ...kustomize('ha')])
      assert.deepEqual(validateObject(o), []);
  });

  test('the validator refuses an unknown field and a wrong type', () => {
    const deployment = structuredClone(find(single, 'Deployment')[0]) as { spec: Obj & { template: { spec: Obj } } };
    deployment.spec.replica = 2;
    deployment.spec.template.spec.terminationGracePeriodSeconds = 'sixty';
    const errors = validateObject(deployment as unknown as Obj);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors.join('\n'), /spec\.replica: unknown field in V1DeploymentSpec/);
    assert.match(errors.join('\n'), /terminationGracePeriodSeconds: expected a number/);
  });

  test('what the issue asks of the objects', () => {
    const pvc = find(single, 'PersistentVolumeClaim')[0] as { spec: { storageClassName: string } };
    const sc = find(single, 'StorageClass')[0] as { metadata: { name: string }; reclaimPolicy: string };
    assert.equal(sc.reclaimPolicy, 'Retain');
    assert.equal(pvc.spec.storageClassName, sc.metadata.name);
    const pod = (find(single, 'Deployment')[0] as { spec: { template: { spec: Obj } } }).spec.template.spec;
    const container = (pod.containers as Obj[])[0] as Record<string, { httpGet: { path: string } }>;
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal((pod.securityContext as Obj).runAsNonRoot, true);
    const ingress = find(single, 'Ingress')[0] as { metadata: { annotations: Record<string, string> } };
    assert.equal(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '0');
    assert.ok(find(single, 'ClusterRole').length === 1 && find(single, 'ServiceAccount').length === 1);
    assert.equal(find(single, 'PodDisruptionBudget').length, 0);
    // HA: replicas, no claim, a disruption budget, PostgreSQL and S3 in the config.
    const haDeploy = find(ha, 'Deployment')[0] as { spec: { replicas: number } };
    assert.equal(haDeploy.spec.replicas, 3);
    assert.equal(find(ha, 'PersistentVolumeClaim').length, 0);
    assert.equal(find(ha, 'PodDisruptionBudget').length, 1);
    const config = YAML.parse((find(ha, 'ConfigMap')[0] as { data: Record<string, string> }).data['berth.yaml']);
    assert.equal(config.database.driver, 'postgres');
    assert.equal(config.storage.driver, 's3');
    // Every replica signs tokens with the one key from the Secret.
    assert.equal(config.auth.token_key_file, '/etc/berth/keys/token-es256.jwk');
    const haPod = JSON.stringify(find(ha, 'Deployment')[0]);
    assert.match(haPod, /"secretName":"berth-token-key"/);
    assert.match(haPod, /"mountPath":"\/etc\/berth\/keys"/);
    assert.equal(find(single, 'Secret').length, 1, 'no shared token key for one replica');
  });

  test("the chart's config is a valid Berth configuration", async () => {
    const { loadConfig } = await import('../../src/server/config.ts');
    for (const objects of [single, ha]) {
      const text = (find(objects, 'ConfigMap')[0] as { data: Record<string, string> }).data['berth.yaml'];
      const file = join(REPO_ROOT, 'dist', `chart-config-${process.pid}.yaml`);
      const { writeFileSync, rmSync } = await import('node:fs');
      writeFileSync(file, text);
      try {
        const secrets = (find(objects, 'Secret')[0] as { stringData: Record<string, string> }).stringData;
        assert.doesNotThrow(() => loadConfig({ file, env: { ...secrets } }));
      } finally {
        rmSync(file);
      }
    }
  });
});
