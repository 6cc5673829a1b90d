/** `berth export` and `berth import`: offline bundles (OCI image layout archives) for edge sites. */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { exportBundle } from '../features/bundles/export.ts';
import { importBundle } from '../features/bundles/import.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

function progressBar(label: string): { update(done: number, total: number, current: string): void; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {mib}/{totalMib} MiB | {current}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  const mib = (n: number) => (n / 1048576).toFixed(1);
  return {
    update(done, total, current) {
      if (!started) {
        bar.start(Math.max(total, 1), 0, { mib: '0.0', totalMib: mib(total), current: '' });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { mib: mib(done), totalMib: mib(total), current: current.slice(0, 19) });
    },
    stop: () => started && bar.stop(),
  };
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write images to an OCI image layout archive (also while Berth runs)')
    .argument('[refs...]', 'repository:tag, repository@digest, or repository (every tag)')
    .option('--project <name>', 'every repository of this project')
    .option('--all', 'every tag of every repository')
    .requiredOption('--output <file>', 'the archive to write (bundle.tar)')
    .option('--since <bundle>', 'leave out blobs already in this previous bundle or its index.json (incremental)')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .action(async (refs: string[], flags) => {
      const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
      const registry = await openRegistry(config);
      const bar = progressBar('export');
      try {
        const report = await exportBundle(registry, {
          refs,
          project: flags.project,
          all: Boolean(flags.all),
          output: flags.output,
          since: flags.since,
          progress: bar.update,
        });
        bar.stop();
        const mib = (report.bytes / 1048576).toFixed(1);
        const skipped = report.skipped ? `, ${report.skipped} left out (in ${flags.since})` : '';
        console.log(
          `exported ${report.images} images: ${report.blobs} blobs (${mib} MiB)${skipped} to ${flags.output}`,
        );
      } finally {
        bar.stop();
        await registry.metadata.close();
      }
    });
}

export function importCommand(): Command {
  return new Command('import')
    .description("load an OCI image layout archive into a stopped Berth's data folder")
    .argument('<bundle>', 'the archive (from berth export or skopeo copy … oci-archive:)')
    .option('--project <name>', 'put every repository under this project')
    .option('--repository <name>', 'repository for images named by a bare tag')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .action(async (bundle: string, flags) => {
      const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
      const registry = await openRegistry(config);
      const bar = progressBar('import');
      try {
        const report = await importBundle(registry, bundle, {
          project: flags.project,
          repository: flags.repository,
          progress: bar.update,
        });
        bar.stop();
        for (const image of report.images)
          console.log(
            `${image.repository}${image.reference.includes(':') ? '@' : ':'}${image.reference} ${image.digest}`,
          );
        const mib = (report.bytesWritten / 1048576).toFixed(1);
        console.log(
          `imported ${report.images.length} images: ${report.blobsWritten} blobs written (${mib} MiB), ${report.blobsPresent} already present`,
        );
      } finally {
        bar.stop();
        await registry.metadata.close();
      }
    });
}
