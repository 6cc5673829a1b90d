/** `berth gc`: an online garbage collection of the data folder's registry, with a progress bar and a summary. */
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { GcConflictError } from '../features/lifecycle/gc-service.ts';
import type { GcRun } from '../features/lifecycle/ports.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openLifecycle } from '../server/features.ts';

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer of at least ${min}`);
  return n;
};

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function gcCommand(): Command {
  return new Command('gc')
    .description('delete blobs no manifest names (online: pushes may continue), purge stale uploads')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .option('--dry-run', 'only list what would be deleted')
    .option('--delete-untagged', 'also delete manifests no tag (or recent tag history) names')
    .option('--time-window <hours>', 'keep blobs younger than this (grace window)', integer(0), 2)
    .option('--workers <n>', 'storage deletions in flight at once', integer(1), 4)
    .option('--json', 'print the run as JSON')
    .action(async (flags) => {
      const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
      const registry = await openRegistry(config);
      const lifecycle = openLifecycle(registry);
      const started = performance.now();
      const bar = new SingleBar({
        format: 'gc [{bar}] {value}/{total} {phase}',
        stream: process.stderr,
        noTTYOutput: false,
        hideCursor: true,
      });
      try {
        let runId: number;
        try {
          runId = (
            await lifecycle.gc.start('Manual', {
              dryRun: Boolean(flags.dryRun),
              deleteUntagged: Boolean(flags.deleteUntagged),
              timeWindowHours: flags.timeWindow,
              workers: flags.workers,
            })
          ).id;
        } catch (err) {
          if (!(err instanceof GcConflictError)) throw err;
          // A run left by a crash is resumed once its lease runs out; a live one is not doubled.
          runId = err.active.id;
          console.error(`run ${runId} is ${err.active.status.toLowerCase()}: resuming it if its node is gone`);
        }
        bar.start(1, 0, { phase: '' });
        const runs = await lifecycle.gc.drain((_run, phase, done, total) => {
          bar.setTotal(Math.max(total, 1));
          bar.update(done, { phase });
        });
        bar.stop();
        const run = runs.find((r) => r.id === runId) ?? ((await lifecycle.gc.store.run(runId)) as GcRun);
        const seconds = (performance.now() - started) / 1000;
        if (flags.json) console.log(JSON.stringify({ ...run, seconds }, null, 2));
        else {
          const verb = run.parameters.dryRun ? 'would free' : 'freed';
          console.log(
            `gc run ${run.id}: ${run.status}; ${verb} ${run.blobsDeleted} blobs (${mib(run.bytesFreed)}), ` +
              `${run.manifestsDeleted} untagged manifests, ${run.uploadsPurged} stale uploads in ${seconds.toFixed(1)} s`,
          );
          if (run.status === 'Pending' || run.status === 'Running')
            console.log(`another node is running it; see GET /api/v2.0/system/gc/${run.id}`);
        }
        process.exitCode = run.status === 'Success' ? 0 : 1;
      } finally {
        bar.stop();
        await lifecycle.stop();
        await registry.metadata.close();
      }
    });
}
