/** `berth project`: projects and their members, on the data folder's database. */
import { Command } from 'commander';
import { deleteProject, ProjectNotEmptyError } from '../core/access/project-deletion.ts';
import { ROLE_IDS, ROLES, roleByName } from '../core/access/roles.ts';
import { isValidName } from '../core/names.ts';
import { auditCli, DATA, fail, OUTPUT, printList, withAccess } from './access-common.ts';

export function projectCommand(): Command {
  const cmd = new Command('project').description('manage projects (the first segment of repository names)');
  cmd
    .command('create <name>')
    .option(...DATA)
    .option('--public', 'anyone may pull')
    .option('--owner <username>', 'project admin to add')
    .action(async (name: string, flags) => {
      if (!isValidName(name) || name.includes('/')) fail('invalid project name');
      await withAccess(flags.data, async (access) => {
        const owner = flags.owner
          ? ((await access.store.userByName(flags.owner)) ?? fail(`no user ${flags.owner}`))
          : null;
        const created = await access.store.createProject({
          name,
          public: Boolean(flags.public),
          ownerId: owner?.id ?? null,
        });
        if (!created) fail(`project ${name} already exists`);
        if (owner) await access.store.addMember(created.id, owner.id, 'projectAdmin');
        await auditCli(access, {
          username: '',
          resource: name,
          resourceType: 'project',
          operation: 'create',
          result: 'success',
          project: name,
          address: '',
        });
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
      await withAccess(flags.data, async (access) => {
        const p = (await access.store.projectByName(name)) ?? fail(`no project ${name}`);
        await access.store.updateProject(p.id, { public: value === 'public' });
        await auditCli(access, {
          username: '',
          resource: name,
          resourceType: 'project',
          operation: `make_${value}`,
          result: 'success',
          project: name,
          address: '',
        });
        console.log(`${name} is ${value}`);
      });
    });
  cmd
    .command('delete <name>')
    .description('delete a project; refused while it holds repositories, unless --force (which deletes them)')
    .option(...DATA)
    .option('--force', 'also delete every repository of the project')
    .action(async (name: string, flags) =>
      withAccess(flags.data, async (access, registry) => {
        const p = (await access.store.projectByName(name)) ?? fail(`no project ${name}`);
        const deps = { store: access.store, metadata: registry.metadata };
        const gone = await deleteProject(deps, p, { force: Boolean(flags.force) }).catch((err) =>
          err instanceof ProjectNotEmptyError ? fail(err.message) : Promise.reject(err),
        );
        if (gone.length > 0) console.log(`deleted ${gone.length} repositories of ${name}`);
        await auditCli(access, {
          username: '',
          resource: name,
          resourceType: 'project',
          operation: 'delete',
          result: 'success',
          project: name,
          address: '',
        });
        console.log(`deleted project ${name}`);
      }),
    );
  cmd
    .command('member <project> <username> <role>')
    .description(`set a member's role (${ROLES.join(', ')}) or remove them (role: none)`)
    .option(...DATA)
    .action(async (project: string, username: string, roleName: string, flags) =>
      withAccess(flags.data, async (access) => {
        const p = (await access.store.projectByName(project)) ?? fail(`no project ${project}`);
        const u = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        const existing = (await access.store.listMembers(p.id, { offset: 0, limit: 100_000 })).items.find(
          (m) => m.userId === u.id,
        );
        if (roleName === 'none') {
          if (existing) await access.store.removeMember(existing.id);
          await auditCli(access, {
            username: '',
            resource: username,
            resourceType: 'member',
            operation: 'remove',
            result: 'success',
            project,
            address: '',
          });
          console.log(`${username} is no member of ${project}`);
          return;
        }
        const role = roleByName(roleName) ?? fail(`unknown role ${roleName}: one of ${ROLES.join(', ')}`);
        if (existing) await access.store.updateMember(existing.id, role);
        else await access.store.addMember(p.id, u.id, role);
        await auditCli(access, {
          username: '',
          resource: `${username}:${role}`,
          resourceType: 'member',
          operation: existing ? 'update' : 'add',
          result: 'success',
          project,
          address: '',
        });
        console.log(`${username} is ${role} (role id ${ROLE_IDS[role]}) in ${project}`);
      }),
    );
  return cmd;
}
