/** `berth retention show|run <project>`: a project's tag retention policy, and running it with progress and a summary. */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import type { LifecycleFeature } from '../features/lifecycle/feature.ts';
import type { RetentionPolicyRow } from '../features/lifecycle/ports.ts';
import { describeRule } from '../features/lifecycle/retention-rules.ts';
import { RetentionBusyError } from '../features/lifecycle/retention-service.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openLifecycle } from '../server/features.ts';
import { DATA, fail } from './access-common.ts';

async function withPolicy(
  data: string | undefined,
  project: string,
  fn: (l: LifecycleFeature, row: RetentionPolicyRow) => Promise<void>,
): Promise<void> {
  const registry = await openRegistry(loadConfig({ overrides: { data_dir: data } }));
  const lifecycle = openLifecycle(registry);
  try {
    const row = (await lifecycle.retention.store.policies()).find((p) => p.projectName === project);
    if (!row) fail(`project ${project} has no retention policy (POST /api/v2.0/retentions sets one)`);
    await fn(lifecycle, row as RetentionPolicyRow);
  } finally {
    await lifecycle.stop();
    await registry.metadata.close();
  }
}

const selectors = (r: RetentionPolicyRow['policy']['rules'][number]) =>
  `repositories ${r.scope_selectors.repository.map((s) => `${s.decoration} ${s.pattern}`).join(', ')}; ` +
  `tags ${r.tag_selectors.map((s) => `${s.decoration} ${s.pattern}${s.extras ? ` ${s.extras}` : ''}`).join(', ')}`;

export function retentionCommand(): Command {
  const cmd = new Command('retention').description("a project's tag retention policy: show it, run it");
  cmd
    .command('show <project>')
    .option(...DATA)
    .option('--json', 'print JSON')
    .action(async (project: string, flags) => {
      await withPolicy(flags.data, project, async (l, row) => {
        const executions = (await l.retention.store.executions(row.id, 0, 5)).items;
        if (flags.json) return void console.log(JSON.stringify({ ...row, executions }, null, 2));
        console.log(
          `retention policy ${row.id} of ${row.projectName}; schedule: ${row.policy.trigger.settings.cron || 'none'}`,
        );
        for (const [i, r] of row.policy.rules.entries())
          console.log(`  ${describeRule(r, i)}${r.disabled ? ' (disabled)' : ''}: ${selectors(r)}`);
        for (const e of executions)
          console.log(`  execution ${e.id} ${e.status}${e.dryRun ? ' (dry run)' : ''} ${e.trigger} ${e.startTime}`);
      });
    });
  cmd
    .command('run <project>')
    .option(...DATA)
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print the execution and its tasks as JSON')
    .action(async (project: string, flags) => {
      await withPolicy(flags.data, project, async (l, row) => {
        const started = performance.now();
        const bar = new SingleBar({
          format: 'retention [{bar}] {value}/{total} repositories {repository}',
          stream: process.stderr,
          hideCursor: true,
        });
        bar.start(1, 0, { repository: '' });
        let run: Awaited<ReturnType<typeof l.retention.start>>;
        try {
          run = await l.retention.start(row.id, 'Manual', Boolean(flags.dryRun), (p) => {
            bar.setTotal(Math.max(p.total, 1));
            bar.update(p.done, { repository: p.repository });
          });
        } catch (err) {
          bar.stop();
          if (err instanceof RetentionBusyError) fail(err.message);
          throw err;
        }
        await run.done;
        bar.stop();
        const execution = await l.retention.store.execution(run.execution.id);
        const tasks = (await l.retention.store.tasks(run.execution.id, 0, 100_000)).items;
        const total = tasks.reduce((s, t) => s + t.total, 0);
        const retained = tasks.reduce((s, t) => s + t.retained, 0);
        const seconds = (performance.now() - started) / 1000;
        if (flags.json) console.log(JSON.stringify({ execution, tasks, seconds }, null, 2));
        else {
          for (const t of tasks) process.stdout.write(`# ${t.repository}\n${t.log}`);
          const verb = flags.dryRun ? 'would remove' : 'removed';
          console.log(
            `retention execution ${execution?.id}: ${execution?.status}; ${tasks.length} repositories, ` +
              `${retained} of ${total} artifacts retained, ${verb} ${total - retained} in ${seconds.toFixed(1)} s`,
          );
        }
        process.exitCode = execution?.status === 'Success' ? 0 : 1;
      });
    });
  return cmd;
}
