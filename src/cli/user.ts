/** `berth user`: local accounts, on the data folder's database. */
import { Command } from 'commander';
import { generateSecret, hashSecret, passwordProblem } from '../core/access/passwords.ts';
import { isRobotName } from '../core/access/robots.ts';
import { auditCli, DATA, fail, OUTPUT, printList, readPassword, withAccess } from './access-common.ts';

export function userCommand(): Command {
  const cmd = new Command('user').description('manage local user accounts');
  cmd
    .command('create <username>')
    .description('create a local user')
    .option(...DATA)
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--email <email>', 'e-mail address', '')
    .option('--admin', 'make the user a system administrator')
    .action(async (username: string, flags) => {
      if (isRobotName(username) || !/^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,254}$/.test(username)) fail('invalid username');
      const password = await readPassword(flags);
      const problem = passwordProblem(password);
      if (problem) fail(problem);
      await withAccess(flags.data, async (access) => {
        const created = await access.store.createUser({
          username,
          email: flags.email,
          realname: username,
          comment: '',
          passwordHash: await hashSecret(password),
          sysadmin: Boolean(flags.admin),
          source: 'local',
          externalId: null,
          cliSecretHash: null,
        });
        if (!created) fail(`user ${username} already exists`);
        await auditCli(access, {
          username: '',
          resource: username,
          resourceType: 'user',
          operation: 'create',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`created user ${username} (id ${created.id})${flags.admin ? ', system administrator' : ''}`);
      });
    });
  cmd
    .command('list')
    .description('list user accounts')
    .option(...DATA)
    .option(...OUTPUT)
    .action(async (flags) =>
      withAccess(flags.data, async (access) => {
        const { items } = await access.store.listUsers({ offset: 0, limit: 100_000 });
        const rows = items.map((u) => ({ id: u.id, username: u.username, source: u.source, admin: u.sysadmin }));
        printList(
          flags.output,
          [
            ['id', 'ID'],
            ['username', 'USERNAME'],
            ['source', 'SOURCE'],
            ['admin', 'ADMIN'],
          ],
          rows,
        );
      }),
    );
  cmd
    .command('reset-password <username>')
    .description(
      'give a user a new generated password and print it (run it on the data folder while Berth is stopped; ' +
        'for a lost admin password)',
    )
    .option(...DATA)
    .action(async (username: string, flags) =>
      withAccess(flags.data, async (access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        if (user.source !== 'local') fail(`${username} signs in through ${user.source}: reset the password there`);
        const password = `${generateSecret(18)}Aa1`;
        await access.store.updateUser(user.id, { passwordHash: await hashSecret(password) });
        await auditCli(access, {
          username: '',
          resource: username,
          resourceType: 'user',
          operation: 'change_password',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`new password of ${username}: ${password}`);
      }),
    );
  cmd
    .command('passwd <username>')
    .description("set a user's password")
    .option(...DATA)
    .option('--password <password>', 'the new password')
    .option('--password-stdin', 'read the new password from stdin')
    .action(async (username: string, flags) => {
      const password = await readPassword(flags);
      const problem = passwordProblem(password);
      if (problem) fail(problem);
      await withAccess(flags.data, async (access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await access.store.updateUser(user.id, { passwordHash: await hashSecret(password) });
        await auditCli(access, {
          username: '',
          resource: username,
          resourceType: 'user',
          operation: 'change_password',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`password of ${username} changed`);
      });
    });
  cmd
    .command('admin <username>')
    .description('grant (or with --revoke, remove) the system administrator role')
    .option(...DATA)
    .option('--revoke', 'remove the role')
    .action(async (username: string, flags) =>
      withAccess(flags.data, async (access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await access.store.updateUser(user.id, { sysadmin: !flags.revoke });
        await auditCli(access, {
          username: '',
          resource: username,
          resourceType: 'user',
          operation: flags.revoke ? 'revoke_sysadmin' : 'grant_sysadmin',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`${username} is ${flags.revoke ? 'no longer' : 'now'} a system administrator`);
      }),
    );
  cmd
    .command('delete <username>')
    .option(...DATA)
    .action(async (username: string, flags) =>
      withAccess(flags.data, async (access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await access.store.deleteUser(user.id);
        await auditCli(access, {
          username: '',
          resource: username,
          resourceType: 'user',
          operation: 'delete',
          result: 'success',
          project: null,
          address: '',
        });
        console.log(`deleted user ${username}`);
      }),
    );
  return cmd;
}
