/** `berth robot`: robot accounts; secrets are printed once. */
import { Command } from 'commander';
import { generateSecret, hashSecret } from '../core/access/passwords.ts';
import type { RobotAccess } from '../core/access/ports.ts';
import { PULL_ONLY, robotFullName, validRobotShortName } from '../core/access/robots.ts';
import { auditCli, DATA, fail, OUTPUT, printList, withAccess } from './access-common.ts';
import { withKube } from './kube-common.ts';

export function robotCommand(): Command {
  const cmd = new Command('robot').description('manage robot accounts (robot$project+name)');
  cmd
    .command('create <project> <name>')
    .description('create a project robot (pull only unless --push/--delete); prints its secret once')
    .option(...DATA)
    .option('--push', 'may push')
    .option('--delete', 'may delete artifacts')
    .option('--days <n>', 'expires after n days (default: never)')
    .option('--description <text>', 'description', '')
    .option('--output <format>', 'text (default) or json: {name, secret, expires_at}', 'text')
    .action(async (project: string, name: string, flags) => {
      if (flags.output !== 'text' && flags.output !== 'json') fail(`--output: say text or json, not ${flags.output}`);
      if (!validRobotShortName(name)) fail('invalid robot name');
      const days = flags.days === undefined ? null : Number(flags.days);
      if (days !== null && (!Number.isInteger(days) || days < 1)) fail('--days must be a positive integer');
      await withAccess(flags.data, async (access) => {
        const p = (await access.store.projectByName(project)) ?? fail(`no project ${project}`);
        const acts: RobotAccess[] = [...PULL_ONLY];
        if (flags.push) acts.push({ resource: 'repository', action: 'push' });
        if (flags.delete) acts.push({ resource: 'artifact', action: 'delete' });
        const fullName = robotFullName('project', name, project);
        const made = await access.createRobot({
          name: fullName,
          description: flags.description,
          level: 'project',
          projectId: p.id,
          disabled: false,
          expiresAt: days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString(),
          permissions: [{ kind: 'project', namespace: project, access: acts }],
          creator: 'cli',
        });
        if (!made) fail(`robot ${fullName} already exists`);
        const { secret } = made;
        await auditCli(access, {
          username: '',
          resource: fullName,
          resourceType: 'robot',
          operation: 'create',
          result: 'success',
          project,
          address: '',
        });
        if (flags.output === 'json')
          console.log(JSON.stringify({ name: fullName, secret, expires_at: made.robot.expiresAt ?? null }));
        else console.log(`name:   ${fullName}\nsecret: ${secret}\n(the secret is shown only now)`);
      });
    });
  cmd
    .command('list [project]')
    .description('list robot accounts (of one project, or all)')
    .option(...DATA)
    .option(...OUTPUT)
    .action(async (project: string | undefined, flags) =>
      withAccess(flags.data, async (access) => {
        const p = project ? ((await access.store.projectByName(project)) ?? fail(`no project ${project}`)) : null;
        const { items } = await access.store.listRobots({ offset: 0, limit: 100_000, projectId: p?.id });
        const rows = items.map((r) => ({
          id: r.id,
          name: r.name,
          actions: [...new Set(r.permissions.flatMap((x) => x.access.map((a) => a.action)))].join(','),
          state: r.disabled ? 'disabled' : 'enabled',
          expires: r.expiresAt ?? 'never',
        }));
        printList(
          flags.output,
          [
            ['id', 'ID'],
            ['name', 'NAME'],
            ['actions', 'ACTIONS'],
            ['state', 'STATE'],
            ['expires', 'EXPIRES'],
          ],
          rows,
        );
      }),
    );
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    cmd
      .command(`${verb} <name>`)
      .option(...DATA)
      .action(async (name: string, flags) =>
        withAccess(flags.data, async (access) => {
          const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
          await access.store.updateRobot(r.id, { disabled });
          await auditCli(access, {
            username: '',
            resource: name,
            resourceType: 'robot',
            operation: verb,
            result: 'success',
            project: null,
            address: '',
          });
          console.log(`${name} ${verb}d`);
        }),
      );
  }
  cmd
    .command('regenerate <name>')
    .description('a new secret (printed once); the old one stops working')
    .option(...DATA)
    .action(async (name: string, flags) =>
      withAccess(flags.data, async (access) => {
        const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
        const secret = generateSecret();
        await access.store.updateRobot(r.id, { secretHash: await hashSecret(secret) });
        await auditCli(access, {
          username: '',
          resource: name,
          resourceType: 'robot',
          operation: 'refresh_secret',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`name:   ${name}\nsecret: ${secret}\n(the secret is shown only now)`);
        // Registry connections carrying this robot get the new secret; a running berth serve reconciles their copies.
        const jobs = await withKube({ data: flags.data }, (kube) => kube.connections.robotSecretRotated(name, secret));
        if (jobs.length > 0) console.log(`registry connections updated; reconcile job(s) ${jobs.join(', ')} queued`);
      }),
    );
  cmd
    .command('delete <name>')
    .option(...DATA)
    .action(async (name: string, flags) =>
      withAccess(flags.data, async (access) => {
        const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
        await access.store.deleteRobot(r.id);
        await auditCli(access, {
          username: '',
          resource: name,
          resourceType: 'robot',
          operation: 'delete',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`deleted ${name}`);
      }),
    );
  return cmd;
}
