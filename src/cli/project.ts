/** `berth project`: projects and their members, on the data folder's database. */
import { Command } from 'commander';
import { ProjectNotEmptyError } from '../core/access/project-deletion.ts';
import { ProjectService } from '../core/access/project-service.ts';
import { Refusal } from '../core/access/refusal.ts';
import { ROLE_IDS, ROLES, roleByName } from '../core/access/roles.ts';
import type { AccessService } from '../core/access/service.ts';
import { cliActor, DATA, fail, OUTPUT, printList, withAccess } from './access-common.ts';

/** Runs `act` with the project use cases of the data folder; a refusal is the command's error message. */
function withProjects<T>(
  data: string | undefined,
  act: (projects: ProjectService, access: AccessService) => Promise<T>,
): Promise<T> {
  return withAccess(data, async (access, registry) => {
    try {
      return await act(new ProjectService(access, registry), access);
    } catch (err) {
      if (err instanceof Refusal || err instanceof ProjectNotEmptyError) fail(err.message);
      throw err;
    }
  });
}

const actor = () => ({ name: cliActor(), address: 'local' });

export function projectCommand(): Command {
  const cmd = new Command('project').description('manage projects (the first segment of repository names)');
  cmd
    .command('create <name>')
    .option(...DATA)
    .option('--public', 'anyone may pull')
    .option('--owner <username>', 'project admin to add')
    .action(async (name: string, flags) => {
      await withProjects(flags.data, async (projects, access) => {
        const owner = flags.owner
          ? ((await access.store.userByName(flags.owner)) ?? fail(`no user ${flags.owner}`))
          : null;
        const draft = { name, public: Boolean(flags.public), ownerId: owner?.id ?? null };
        const created = await projects.create(draft, actor());
        console.log(`created ${flags.public ? 'public' : 'private'} project ${name} (id ${created.id})`);
      });
    });
  cmd
    .command('list')
    .description('list projects')
    .option(...DATA)
    .option(...OUTPUT)
    .action(async (flags) =>
      withAccess(flags.data, async (access) => {
        const { items } = await access.store.listProjects({ offset: 0, limit: 100_000 });
        const rows = items.map((p) => ({ id: p.id, name: p.name, visibility: p.public ? 'public' : 'private' }));
        printList(
          flags.output,
          [
            ['id', 'ID'],
            ['name', 'NAME'],
            ['visibility', 'VISIBILITY'],
          ],
          rows,
        );
      }),
    );
  cmd
    .command('visibility <name> <public|private>')
    .option(...DATA)
    .action(async (name: string, value: string, flags) => {
      if (value !== 'public' && value !== 'private') fail('say public or private');
      await withProjects(flags.data, async (projects, access) => {
        const p = (await access.store.projectByName(name)) ?? fail(`no project ${name}`);
        await projects.setPublic(p, value === 'public', actor());
        console.log(`${name} is ${value}`);
      });
    });
  cmd
    .command('delete <name>')
    .description('delete a project; refused while it holds repositories, unless --force (which deletes them)')
    .option(...DATA)
    .option('--force', 'also delete every repository of the project')
    .action(async (name: string, flags) =>
      withProjects(flags.data, async (projects, access) => {
        const p = (await access.store.projectByName(name)) ?? fail(`no project ${name}`);
        const gone = await projects.delete(p, { force: Boolean(flags.force) }, actor());
        if (gone.length > 0) console.log(`deleted ${gone.length} repositories of ${name}`);
        console.log(`deleted project ${name}`);
      }),
    );
  cmd
    .command('member <project> <username> <role>')
    .description(`set a member's role (${ROLES.join(', ')}) or remove them (role: none)`)
    .option(...DATA)
    .action(async (project: string, username: string, roleName: string, flags) =>
      withProjects(flags.data, async (projects, access) => {
        const p = (await access.store.projectByName(project)) ?? fail(`no project ${project}`);
        const u = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        if (roleName === 'none') {
          await projects.setMember(p, u, null, actor());
          console.log(`${username} is no member of ${project}`);
          return;
        }
        const role = roleByName(roleName) ?? fail(`unknown role ${roleName}: one of ${ROLES.join(', ')}`);
        await projects.setMember(p, u, role, actor());
        console.log(`${username} is ${role} (role id ${ROLE_IDS[role]}) in ${project}`);
      }),
    );
  return cmd;
}
