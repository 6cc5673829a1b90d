/**
 * `berth replication …`: list policies and executions, start one, read a
 * task's log, over the local metadata database (run it where `berth serve`
 * runs, with the same configuration). A started execution is queued in the
 * database; the server's replication worker runs it.
 */
import { Command } from 'commander';
import type { RegistriesService } from '../features/registries/service.ts';
import { ReplicationService } from '../features/replication/service.ts';
import { metadataPorts, openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { type CommonFlags, table, withStore } from './kube-common.ts';

async function withReplication<T>(flags: CommonFlags, fn: (service: ReplicationService) => Promise<T>): Promise<T> {
  const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
  const registry = await openRegistry(config);
  try {
    const ports = metadataPorts(registry);
    const service = new ReplicationService({
      store: ports.replication(),
      jobs: ports.jobs,
      // Policies are created through the API, which checks their registries; these commands do not need them.
      registries: {} as RegistriesService,
      taskAttempts: 30,
    });
    return await fn(service);
  } finally {
    await registry.metadata.close();
  }
}

export function replicationCommand(): Command {
  const cmd = new Command('replication').description('replication policies and executions (see docs/replication.md)');

  withStore(cmd.command('policies').description('list replication policies')).action(async (flags: CommonFlags) => {
    const rows = await withReplication(flags, async (s) => s.policies());
    console.log(
      table([
        ['ID', 'NAME', 'FROM', 'TO', 'TRIGGER', 'ENABLED'],
        ...rows.map((p) => [
          String(p.id),
          p.name,
          p.srcRegistryId === null ? 'local' : `registry ${p.srcRegistryId}`,
          p.destRegistryId === null ? 'local' : `registry ${p.destRegistryId}`,
          p.trigger.type === 'scheduled' ? `scheduled ${p.trigger.cron}` : p.trigger.type,
          p.enabled ? 'yes' : 'no',
        ]),
      ]),
    );
  });

  withStore(cmd.command('run <policy>').description('start an execution of a policy (by name or id)')).action(
    async (policy: string, flags: CommonFlags) => {
      const id = await withReplication(flags, async (s) => {
        const found = /^\d+$/.test(policy) ? await s.policy(Number(policy)) : await s.store.policyByName(policy);
        if (!found) throw new Error(`no replication policy ${policy}`);
        return s.start(found.id, 'manual');
      });
      console.log(`execution ${id} queued; the server runs it (berth replication executions)`);
    },
  );

  withStore(
    cmd.command('executions').description('recent executions').option('--policy <id>', 'only this policy'),
  ).action(async (flags: CommonFlags & { policy?: string }) => {
    const { items } = await withReplication(flags, (s) =>
      s.executions({ policyId: flags.policy ? Number(flags.policy) : undefined }, { offset: 0, limit: 20 }),
    );
    console.log(
      table([
        ['ID', 'POLICY', 'STATUS', 'TRIGGER', 'DONE/TOTAL', 'FAILED', 'BYTES', 'STARTED'],
        ...items.map((e) => [
          String(e.id),
          String(e.policyId),
          e.status,
          e.trigger,
          `${e.succeed}/${e.total}`,
          String(e.failed),
          String(e.bytes),
          e.startTime,
        ]),
      ]),
    );
  });

  withStore(cmd.command('log <execution> <task>').description("a task's log")).action(
    async (execution: string, task: string, flags: CommonFlags) => {
      const t = await withReplication(flags, (s) => s.task(Number(execution), Number(task)));
      process.stdout.write(t.log);
    },
  );
  return cmd;
}
