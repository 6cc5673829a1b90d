/** `berth user`: local accounts, on the data folder's database. */
import { Command } from 'commander';
import { Refusal } from '../core/access/refusal.ts';
import type { AccessService } from '../core/access/service.ts';
import { UserService } from '../core/access/user-service.ts';
import { cliActor, DATA, fail, OUTPUT, printList, readPassword, withAccess } from './access-common.ts';

/** Runs `act` with the user use cases of the data folder; a refusal is the command's error message. */
function withUsers<T>(data: string | undefined, act: (users: UserService, access: AccessService) => Promise<T>) {
  return withAccess(data, async (access) => {
    try {
      return await act(new UserService(access), access);
    } catch (err) {
      if (err instanceof Refusal) fail(err.message);
      throw err;
    }
  });
}

const actor = () => ({ name: cliActor(), address: 'local' });

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
      const password = await readPassword(flags);
      await withUsers(flags.data, async (users) => {
        const draft = { username, password, email: flags.email, realname: username, sysadmin: Boolean(flags.admin) };
        const created = await users.create(draft, actor());
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
      withUsers(flags.data, async (users, access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        const password = await users.resetPassword(user, actor());
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
      await withUsers(flags.data, async (users, access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await users.setPassword(user, password, actor());
        console.log(`password of ${username} changed`);
      });
    });
  cmd
    .command('admin <username>')
    .description('grant (or with --revoke, remove) the system administrator role')
    .option(...DATA)
    .option('--revoke', 'remove the role')
    .action(async (username: string, flags) =>
      withUsers(flags.data, async (users, access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await users.setSysadmin(user, !flags.revoke, actor());
        console.log(`${username} is ${flags.revoke ? 'no longer' : 'now'} a system administrator`);
      }),
    );
  cmd
    .command('delete <username>')
    .option(...DATA)
    .action(async (username: string, flags) =>
      withUsers(flags.data, async (users, access) => {
        const user = (await access.store.userByName(username)) ?? fail(`no user ${username}`);
        await users.delete(user, actor());
        console.log(`deleted user ${username}`);
      }),
    );
  return cmd;
}
