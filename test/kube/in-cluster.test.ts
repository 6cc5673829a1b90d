/**
 * In-cluster mode: a kubeconfig that points at the service account files
 * (token, CA) and the in-cluster API address, used by client-node against the
 * fake API server; the token file is reread, so a rotated token is used; and
 * the CLI refuses --in-cluster unless kube.in_cluster is set.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import { InClusterError, inClusterKubeconfig } from '../../src/adapters/kubernetes/in-cluster.ts';
import { BERTH_BIN, ensureBuilt } from '../support/berth.ts';
import { removeDir, tempDir } from '../support/images.ts';
import { FakeApiServer } from './fake-apiserver.ts';

describe('in-cluster service account', () => {
  const api = new FakeApiServer('sa-token-1');
  let dir: string;
  let sa: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    await api.start();
    api.addNamespace('default');
    api.addNamespace('team-a');
    dir = await tempDir('berth-incluster-');
    sa = join(dir, 'serviceaccount');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), 'sa-token-1');
    await writeFile(join(sa, 'ca.crt'), readFileSync(new URL('./fixtures/apiserver.crt', import.meta.url)));
    await writeFile(join(sa, 'namespace'), 'berth');
    const url = new URL(api.url);
    env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port, BERTH_SERVICE_ACCOUNT_DIR: sa };
  });
  after(async () => {
    await api.stop();
    await removeDir(dir);
  });

  test('client-node reaches the API server with the mounted token and CA (referenced by path, so a rotated token is read)', async () => {
    const cluster = clusterFromKubeconfig(inClusterKubeconfig(env));
    assert.deepEqual(await cluster.listNamespaces(), ['default', 'team-a']);
    const kubeconfig = inClusterKubeconfig(env);
    assert.doesNotMatch(kubeconfig, /sa-token-1/, 'the token is referenced by file, not copied');
  });

  test('outside a cluster, or without the mounted files, it says why', () => {
    assert.throws(() => inClusterKubeconfig({}), InClusterError);
    assert.throws(
      () => inClusterKubeconfig({ ...env, BERTH_SERVICE_ACCOUNT_DIR: join(dir, 'none') }),
      /no service account token/,
    );
  });

  // Asynchronously: the fake API server answers from this process.
  test('berth kube cluster add --in-cluster needs kube.in_cluster, then registers', async () => {
    ensureBuilt();
    const data = join(dir, 'data');
    const run = async (extra: NodeJS.ProcessEnv) =>
      (
        await promisify(execFile)(
          process.execPath,
          [BERTH_BIN, 'kube', 'cluster', 'add', 'here', '--in-cluster', '--data', data],
          { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env, ...extra } },
        )
      ).stdout;
    await assert.rejects(run({}), /kube\.in_cluster: true/);
    assert.match(
      await run({ BERTH_KUBE_IN_CLUSTER: 'true', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' }),
      /registered cluster here .*\nnamespaces: default, team-a/s,
    );
  });
});
