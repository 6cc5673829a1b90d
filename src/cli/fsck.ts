import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { fsck } from '../features/fsck/fsck.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

export function fsckCommand(): Command {
  return new Command('fsck')
    .description('verify every blob and manifest against the metadata')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .option('--repair', 'quarantine corrupt blobs and drop stale uploads')
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
      const registry = await openRegistry(config);
      const bar = new SingleBar({
        format: 'fsck [{bar}] {value}/{total} objects | {current}',
        stream: process.stderr,
        noTTYOutput: false,
        hideCursor: true,
      });
      bar.start(1, 0, { current: '' });
      const report = await fsck(registry.storage, registry.metadata, {
        repair: Boolean(flags.repair),
        progress: (done, total, current) => {
          bar.setTotal(total);
          bar.update(done, { current: current.slice(0, 40) });
        },
      });
      bar.stop();
      await registry.metadata.close();
      if (flags.json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        for (const p of report.problems)
          console.log(`PROBLEM ${p.kind} ${p.subject}: ${p.message}${p.repaired ? ' (repaired)' : ''}`);
        for (const n of report.notes) console.log(`note    ${n.kind} ${n.subject}: ${n.message}`);
        const mib = (report.bytesChecked / 1048576).toFixed(1);
        console.log(
          `checked ${report.blobsChecked} blobs (${mib} MiB) and ${report.manifestsChecked} manifests: ` +
            `${report.problems.length} problems, ${report.notes.length} notes`,
        );
      }
      const unrepaired = report.problems.filter((p) => !p.repaired).length;
      process.exitCode = unrepaired > 0 ? 1 : 0;
    });
}
