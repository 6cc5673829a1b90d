/** `berth robot`: robot accounts; secrets are printed once. */
import { Command } from 'commander';
import type { RobotAccess } from '../core/access/ports.ts';
import { type Actor, RobotError, RobotService } from '../core/access/robot-service.ts';
import { PULL_ONLY, validRobotShortName } from '../core/access/robots.ts';
import type { AccessService } from '../core/access/service.ts';
import { cliActor, DATA, fail, OUTPUT, printList, withAccess } from './access-common.ts';
import { withKube } from './kube-common.ts';

const projectOf = async (access: AccessService, id: number | null) =>
  id === null ? null : access.store.projectById(id);

/** The CLI acts as the server's owner, audited under the OS account from `local`. */
const CLI: Actor = { name: cliActor(), address: 'local' };

/** Runs a robot use case; its refusals become the CLI's one-line errors. */
async function withRobots<T>(
  data: string | undefined,
  act: (robots: RobotService, access: AccessService) => Promise<T>,
  onSecretRotated?: (name: string, secret: string) => Promise<unknown>,
  overlapFor?: (name: string) => Promise<number>,
): Promise<T> {
  return withAccess(data, async (access) => {
    try {
      return await act(new RobotService(access, onSecretRotated, overlapFor), access);
    } catch (err) {
      if (err instanceof RobotError) fail(err.message);
      throw err;
    }
  });
}

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
      await withRobots(flags.data, async (robots, access) => {
        const p = (await access.store.projectByName(project)) ?? fail(`no project ${project}`);
        const acts: RobotAccess[] = [...PULL_ONLY];
        if (flags.push) acts.push({ resource: 'repository', action: 'push' });
        if (flags.delete) acts.push({ resource: 'artifact', action: 'delete' });
        const { robot, secret } = await robots.create(
          {
            level: 'project',
            name,
            project: p,
            description: flags.description,
            days,
            permissions: [{ kind: 'project', namespace: project, access: acts }],
            creator: 'cli',
          },
          CLI,
        );
        const fullName = robot.name;
        if (flags.output === 'json')
          console.log(JSON.stringify({ name: fullName, secret, expires_at: robot.expiresAt ?? null }));
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
        withRobots(flags.data, async (robots, access) => {
          const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
          await robots.update(r, await projectOf(access, r.projectId), { disabled }, CLI);
          console.log(`${name} ${verb}d`);
        }),
      );
  }
  cmd
    .command('regenerate <name>')
    .description(
      'a new secret (printed once); the old one stops working, or (kept in synced clusters) once every cluster holds the new one',
    )
    .option(...DATA)
    .action(async (name: string, flags) =>
      withRobots(
        flags.data,
        async (robots, access) => {
          const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
          const { secret, notified } = await robots.rotateSecret(r, await projectOf(access, r.projectId), CLI);
          console.log(`name:   ${name}\nsecret: ${secret}\n(the secret is shown only now)`);
          const jobs = (notified ?? []) as string[];
          if (jobs.length > 0) console.log(`registry connections updated; reconcile job(s) ${jobs.join(', ')} queued`);
        },
        // Registry connections carrying this robot get the new secret; a running berth serve reconciles their copies.
        (robot, secret) => withKube({ data: flags.data }, (kube) => kube.connections.robotSecretRotated(robot, secret)),
        // The old secret stays valid while clusters hold pull secrets with it (kube.rotation_overlap).
        (robot) => withKube({ data: flags.data }, (kube) => kube.rotation.overlapFor(robot)),
      ),
    );
  cmd
    .command('delete <name>')
    .option(...DATA)
    .action(async (name: string, flags) =>
      withRobots(flags.data, async (robots, access) => {
        const r = (await access.store.robotByName(name)) ?? fail(`no robot ${name}`);
        await robots.delete(r, await projectOf(access, r.projectId), CLI);
        console.log(`deleted ${name}`);
      }),
    );
  return cmd;
}
