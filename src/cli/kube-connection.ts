/** `berth kube connection add|list|test|secret|set-password`. */
import { Command } from 'commander';
import { CONNECTION_TYPES } from '../features/kube/connections.ts';
import { type CommonFlags, readPassword, table, withKube, withStore } from './kube-common.ts';

interface PasswordFlags {
  password?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}

const passwordOptions = (c: Command) =>
  c
    .option('--password <password>', 'password or token (visible in the process list; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file');

export function connectionCommand(): Command {
  const cmd = new Command('connection').description('registry connections that clusters pull from');

  passwordOptions(
    withStore(
      cmd
        .command('add <name>')
        .description('add a registry connection (address as kubectl --docker-server takes it)')
        .requiredOption(
          '--address <url>',
          'registry address as for kubectl --docker-server: https://reg.example.com, reg.example.com:5000, https://index.docker.io/v1/',
        )
        .option('--username <user>', 'user or robot account name')
        .option('--type <type>', `one of ${CONNECTION_TYPES.join(', ')}`)
        .option('--email <email>', 'email recorded in the pull secret')
        .option('--description <text>', 'what it is for')
        .option('--berth-robot <name>', 'the Berth robot account whose secret this carries (kept current on rotation)')
        .option(
          '--create-robot <project>',
          'instead of --username/--password: create a pull-only robot of this Berth project as the credentials',
        )
        .option('--robot-name <name>', 'with --create-robot: the robot name (default: the connection name)'),
    ),
  ).action(async (name: string, flags: CommonFlags & PasswordFlags & Record<string, string | undefined>) => {
    if (flags.createRobot) {
      const made = await withKube(flags, (kube) =>
        kube.connections.createWithRobot(
          {
            name,
            type: flags.type,
            address: flags.address,
            email: flags.email,
            description: flags.description,
            username: flags.username,
            password: readPassword(flags),
          },
          { project: flags.createRobot as string, ...(flags.robotName ? { name: flags.robotName } : {}) },
          { name: `cli:${process.env.USER ?? 'unknown'}`, address: 'local' },
        ),
      );
      console.log(
        `added registry connection ${made.record.name} (id ${made.record.id}) for ${made.record.address} with robot ${made.robot.name} (pull only)`,
      );
      return;
    }
    if (!flags.username) throw new Error('give --username (and a password), or --create-robot <project>');
    const password = readPassword(flags);
    const created = await withKube(flags, (kube) =>
      kube.connections.create({
        name,
        type: flags.type ?? 'oci',
        address: flags.address,
        username: flags.username,
        password,
        email: flags.email,
        description: flags.description,
        berthRobot: flags.berthRobot,
      }),
    );
    console.log(`added registry connection ${created.name} (id ${created.id}) for ${created.address}`);
  });

  withStore(
    cmd
      .command('list')
      .description('list registry connections')
      .option('--json', 'print JSON')
      .option('--output <format>', 'table (default) or json, as every list command'),
  ).action(async (flags: CommonFlags & { json?: boolean; output?: string }) => {
    const list = await withKube(flags, (kube) => kube.connections.list());
    if (flags.json || flags.output === 'json') {
      console.log(
        JSON.stringify(
          list.map(({ passwordSealed: _, ...rest }) => rest),
          null,
          2,
        ),
      );
      return;
    }
    const rows = [['ID', 'NAME', 'TYPE', 'ADDRESS', 'USERNAME', 'LAST TEST']];
    const tested = (t: (typeof list)[number]['lastTest']) => (t ? `${t.ok ? 'ok' : 'failed'} ${t.at}` : '-');
    for (const c of list) rows.push([String(c.id), c.name, c.type, c.address, c.username, tested(c.lastTest)]);
    console.log(table(rows));
  });

  withStore(
    cmd
      .command('test <name>')
      .description('check reachability, the registry API, the credentials and (with --repository) pulling')
      .option('--repository <repo>', 'a repository the credentials should pull, e.g. team/app')
      .option('--reference <tag>', 'a tag or digest in it'),
  ).action(async (name: string, flags: CommonFlags & { repository?: string; reference?: string }) => {
    const result = await withKube(flags, async (kube) => {
      const record = await kube.connections.byName(name);
      return kube.connections.test(record.id, { repository: flags.repository, reference: flags.reference });
    });
    for (const c of result.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.step.padEnd(12)} ${c.message}`);
    process.exitCode = result.ok ? 0 : 1;
  });

  withStore(
    cmd
      .command('secret <name>')
      .description('print the pull secret, byte for byte as kubectl create secret docker-registry --dry-run prints it')
      .option('-n, --namespace <ns>', 'namespace written into the secret')
      .option('--secret-name <name>', 'secret name (default: <connection>-pull)')
      .option('-o, --output <format>', 'yaml or json', 'yaml'),
  ).action(async (name: string, flags: CommonFlags & { namespace?: string; secretName?: string; output: string }) => {
    if (flags.output !== 'yaml' && flags.output !== 'json') throw new Error('--output must be yaml or json');
    const text = await withKube(flags, async (kube) => {
      const record = await kube.connections.byName(name);
      return kube.connections.pullSecret(record.id, {
        name: flags.secretName,
        namespace: flags.namespace,
        format: flags.output as 'yaml' | 'json',
      });
    });
    process.stdout.write(text);
  });

  passwordOptions(
    withStore(
      cmd
        .command('set-password <name>')
        .description('change the password; copies in clusters are updated by the next reconcile'),
    ),
  ).action(async (name: string, flags: CommonFlags & PasswordFlags) => {
    const password = readPassword(flags);
    if (!password) throw new Error('give the new password with --password-stdin, --password-file or --password');
    const { jobId } = await withKube(flags, async (kube) => {
      const record = await kube.connections.byName(name);
      return kube.connections.update(record.id, { password });
    });
    console.log(
      jobId
        ? `password changed; reconcile job ${jobId} queued (a running berth serve applies it, or run berth kube sync ${name})`
        : 'password changed; the connection is not placed in any cluster',
    );
  });

  return cmd;
}
