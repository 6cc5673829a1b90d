/**
 * `berth kube …`: registry connections, clusters, secret sync and pull
 * diagnosis from the command line, over the local metadata database and
 * credentials key (run it where `berth serve` runs, with the same
 * configuration), like `berth fsck`.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CopyRecord } from '../features/kube/store.ts';
import { loadConfig } from '../server/config.ts';
import { type CommonFlags, collect, table, withKube, withStore } from './kube-common.ts';
import { connectionCommand } from './kube-connection.ts';

export function kubeCommand(): Command {
  const cmd = new Command('kube').description('registry connections, pull secrets and clusters (Kubernetes)');
  cmd.addCommand(connectionCommand());
  cmd.addCommand(clusterCommand());

  withStore(
    cmd
      .command('sync [connection]')
      .description(
        'write pull secrets now: with --cluster and --namespace, place the connection there first; ' +
          'with a connection only, all its placements; with nothing, every placement',
      )
      .option('--cluster <name>', 'registered cluster')
      .option('-n, --namespace <ns>', 'namespace (repeat or comma-separate)', collect)
      .option('--service-account <sa>', 'service account to reference the secret (repeatable)', collect)
      .option('--secret-name <name>', 'secret name (default: <connection>-pull)')
      .option('--adopt', 'take over a same-named secret Berth did not create'),
  ).action(async (connection: string | undefined, flags: CommonFlags & SyncFlags) => {
    const results = await withKube(flags, async (kube) => {
      if (!connection) {
        if (flags.cluster || flags.namespace) throw new Error('name the connection to place');
        await kube.clusters.reconcileAll();
        const all = await kube.clusters.listPlacements();
        return Promise.all(all.map((p) => kube.clusters.copies(p.id)));
      }
      const record = await kube.connections.byName(connection);
      if (!flags.cluster && !flags.namespace) return kube.clusters.reconcile(record.id);
      if (!flags.cluster || !flags.namespace) throw new Error('--cluster and --namespace go together');
      const cluster = await kube.clusters.byName(flags.cluster);
      const secretName = flags.secretName ?? `${record.name}-pull`;
      const existing = (await kube.clusters.listPlacements({ connectionId: record.id, clusterId: cluster.id })).find(
        (p) => p.secretName === secretName,
      );
      const placement = existing
        ? await kube.clusters.updatePlacement(existing.id, {
            namespaces: [...new Set([...existing.namespaces, ...flags.namespace])],
            serviceAccounts: [...new Set([...existing.serviceAccounts, ...(flags.serviceAccount ?? [])])],
            ...(flags.adopt ? { adopt: true } : {}),
          })
        : await kube.clusters.place({
            connectionId: record.id,
            clusterId: cluster.id,
            secretName,
            namespaces: flags.namespace,
            serviceAccounts: flags.serviceAccount ?? [],
            adopt: flags.adopt ?? false,
          });
      return [await kube.clusters.sync(placement.id)];
    });
    const copies = results.flat();
    const rows = [['PLACEMENT', 'NAMESPACE', 'STATE', 'MESSAGE']];
    for (const c of copies) rows.push([String(c.placementId), c.namespace, c.state, describeCopy(c)]);
    console.log(copies.length ? table(rows) : 'nothing is placed in any cluster');
    process.exitCode = copies.some((c) => c.state === 'failed') ? 1 : 0;
  });

  withStore(
    cmd
      .command('diagnose')
      .description('explain why a pod (or an image in a namespace) cannot be pulled')
      .requiredOption('--cluster <name>', 'registered cluster')
      .requiredOption('-n, --namespace <ns>', 'namespace')
      .option('--pod <name>', 'the pod')
      .option('--image <ref>', 'an image reference (instead of a pod)')
      .option('--service-account <sa>', 'service account for --image (default: default)')
      .option('--json', 'print JSON'),
  ).action(async (flags: CommonFlags & DiagnoseFlags) => {
    const outcome = await withKube(flags, async (kube) => {
      const cluster = await kube.clusters.byName(flags.cluster);
      return kube.clusters.diagnose({
        clusterId: cluster.id,
        namespace: flags.namespace,
        pod: flags.pod,
        image: flags.image,
        serviceAccount: flags.serviceAccount,
      });
    });
    const images = outcome.kind === 'pod' ? outcome.result.images : [outcome.result];
    if (flags.json) console.log(JSON.stringify(outcome.result, null, 2));
    else {
      for (const i of images) {
        console.log(`${i.container ? `${i.container}: ` : ''}${i.image}\n  ${i.code}: ${i.message}`);
        if (i.suggestion) console.log(`  try: ${i.suggestion}`);
      }
      if (outcome.kind === 'pod') for (const e of outcome.result.events) console.log(`event: ${e}`);
    }
    process.exitCode = images.every((i) => i.ok) ? 0 : 1;
  });
  return cmd;
}

interface SyncFlags {
  cluster?: string;
  namespace?: string[];
  serviceAccount?: string[];
  secretName?: string;
  adopt?: boolean;
}

interface DiagnoseFlags {
  cluster: string;
  namespace: string;
  pod?: string;
  image?: string;
  serviceAccount?: string;
  json?: boolean;
}

function describeCopy(c: CopyRecord): string {
  const sas = c.serviceAccounts.map((s) => `sa ${s.name}: ${s.state}${s.message ? ` (${s.message})` : ''}`);
  return [c.message ?? '', ...sas].filter(Boolean).join('; ');
}

/** The kubeconfig text of `--kubeconfig FILE`, or the in-cluster one for `--in-cluster`. */
async function kubeconfigOf(flags: CommonFlags & { kubeconfig?: string; inCluster?: boolean }): Promise<string> {
  if (Boolean(flags.kubeconfig) === Boolean(flags.inCluster))
    throw new Error('give either --kubeconfig or --in-cluster');
  if (flags.kubeconfig) return readFileSync(flags.kubeconfig, 'utf8');
  const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
  if (!config.kube.in_cluster) throw new Error('--in-cluster needs kube.in_cluster: true (BERTH_KUBE_IN_CLUSTER=true)');
  const { inClusterKubeconfig } = await import('../adapters/kubernetes/in-cluster.ts');
  return inClusterKubeconfig();
}

function clusterCommand(): Command {
  const cmd = new Command('cluster').description('Kubernetes clusters, registered by kubeconfig');
  withStore(
    cmd
      .command('add <name>')
      .description('register a cluster; its namespaces are listed as the check')
      .option('--kubeconfig <file>', 'kubeconfig file (stored encrypted)')
      .option('--in-cluster', "this pod's service account (needs kube.in_cluster; docs/kubernetes.md)")
      .option('--context <name>', 'context to use (default: its current-context)'),
  ).action(
    async (name: string, flags: CommonFlags & { kubeconfig?: string; inCluster?: boolean; context?: string }) => {
      const kubeconfig = await kubeconfigOf(flags);
      const { cluster, namespaces } = await withKube(flags, (kube) =>
        kube.clusters.register({ name, kubeconfig, context: flags.context }),
      );
      console.log(`registered cluster ${cluster.name} (id ${cluster.id}) at ${cluster.server}`);
      console.log(`namespaces: ${namespaces.join(', ')}`);
    },
  );

  withStore(
    cmd
      .command('list')
      .description('list registered clusters')
      .option('--json', 'print JSON')
      .option('--output <format>', 'table (default) or json, as every list command'),
  ).action(async (flags: CommonFlags & { json?: boolean; output?: string }) => {
    const list = await withKube(flags, (kube) => kube.clusters.list());
    if (flags.json || flags.output === 'json') {
      console.log(
        JSON.stringify(
          list.map(({ kubeconfigSealed: _, ...rest }) => rest),
          null,
          2,
        ),
      );
      return;
    }
    const rows = [['ID', 'NAME', 'SERVER', 'CONTEXT']];
    for (const c of list) rows.push([String(c.id), c.name, c.server, c.context ?? '(current)']);
    console.log(table(rows));
  });
  return cmd;
}
