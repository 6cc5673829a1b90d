/** `berth registry`: upstream registries (proxy caches, replication), on the data folder's database. */
import { Command } from 'commander';
import { OutboundPolicy } from '../core/outbound.ts';
import { createRegistries } from '../features/registries/feature.ts';
import type { RegistriesService } from '../features/registries/service.ts';
import { metadataPorts, openRegistry, openSecretBox } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { DATA, fail, readPassword } from './access-common.ts';

async function withRegistries<T>(data: string | undefined, fn: (r: RegistriesService) => Promise<T>): Promise<T> {
  const config = loadConfig({ overrides: { data_dir: data } });
  const registry = await openRegistry(config);
  try {
    const ports = metadataPorts(registry);
    const registries = createRegistries({
      store: ports.registries(),
      box: await openSecretBox(config),
      policy: OutboundPolicy.fromSetting(config.outbound.allow),
    });
    const proxies = ports.proxy();
    registries.addUseCheck(async (x) => {
      const users = (await proxies.list()).filter((p) => p.registryId === x.id).map((p) => p.project);
      return users.length ? `registry ${x.name} is the upstream of project ${users.join(', ')}` : null;
    });
    try {
      return await fn(registries);
    } finally {
      registries.close();
    }
  } finally {
    await registry.metadata.close();
  }
}

async function byNameOrId(r: RegistriesService, ref: string) {
  if (/^\d+$/.test(ref)) return r.get(Number(ref));
  return (await r.list()).find((x) => x.name === ref) ?? fail(`no registry ${ref}`);
}

export function registryCommand(): Command {
  const cmd = new Command('registry').description('manage upstream registries (proxy caches, replication)');
  cmd
    .command('list')
    .option(...DATA)
    .action(async (flags) =>
      withRegistries(flags.data, async (r) => {
        for (const x of await r.list())
          console.log(`${x.id}\t${x.name}\t${x.type}\t${x.url}\t${x.status}${x.insecure ? '\tinsecure' : ''}`);
      }),
    );
  cmd
    .command('create <name> <url>')
    .option(...DATA)
    .option('--type <type>', 'docker-registry, docker-hub, harbor, quay or github-ghcr', 'docker-registry')
    .option('--username <name>', 'access key (user name or robot)')
    .option('--password <secret>', 'access secret')
    .option('--password-stdin', 'read the access secret from stdin')
    .option('--insecure', 'do not verify the TLS certificate')
    .option('--description <text>', 'description', '')
    .action(async (name: string, url: string, flags) => {
      const secret = flags.password !== undefined || flags.passwordStdin ? await readPassword(flags) : undefined;
      await withRegistries(flags.data, async (r) => {
        const created = await r.create({
          name,
          url,
          type: flags.type,
          description: flags.description,
          insecure: Boolean(flags.insecure),
          accessKey: flags.username,
          accessSecret: secret,
        });
        console.log(`created registry ${created.name} (id ${created.id}) ${created.url}`);
      });
    });
  cmd
    .command('ping <name-or-id>')
    .option(...DATA)
    .action(async (ref: string, flags) =>
      withRegistries(flags.data, async (r) => {
        const x = await byNameOrId(r, ref);
        const result = await r.ping({ id: x.id });
        console.log(`${x.name}: ${result.ok ? 'healthy' : 'unhealthy'} (${result.message})`);
        if (!result.ok) process.exitCode = 1;
      }),
    );
  cmd
    .command('delete <name-or-id>')
    .option(...DATA)
    .action(async (ref: string, flags) =>
      withRegistries(flags.data, async (r) => {
        const x = await byNameOrId(r, ref);
        await r.delete(x.id);
        console.log(`deleted registry ${x.name}`);
      }),
    );
  return cmd;
}
