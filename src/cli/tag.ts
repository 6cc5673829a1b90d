/** `berth tag history|rollback`: a tag's changes and moving it back, on the data folder's database. */
import { Command } from 'commander';
import { isDigest } from '../core/digest.ts';
import { isValidName, isValidTag } from '../core/names.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openLifecycle } from '../server/features.ts';
import { DATA, fail } from './access-common.ts';

function reference(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  const repository = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  if (colon < 0 || !isValidName(repository) || !isValidTag(tag)) fail(`expected <repository>:<tag>, got ${ref}`);
  return { repository, tag };
}

async function withLifecycle<T>(data: string | undefined, fn: (l: ReturnType<typeof openLifecycle>) => Promise<T>) {
  const registry = await openRegistry(loadConfig({ overrides: { data_dir: data } }));
  const lifecycle = openLifecycle(registry);
  try {
    return await fn(lifecycle);
  } finally {
    await lifecycle.stop();
    await registry.metadata.close();
  }
}

export function tagCommand(): Command {
  const cmd = new Command('tag').description("a tag's history, and rolling it back");
  cmd
    .command('history <repository:tag>')
    .option(...DATA)
    .option('--json', 'print JSON')
    .action(async (ref: string, flags) => {
      const { repository, tag } = reference(ref);
      await withLifecycle(flags.data, async (l) => {
        const entries = await l.history.list(repository, tag);
        if (flags.json) console.log(JSON.stringify(entries, null, 2));
        else for (const e of entries) console.log(`${e.at}\t${e.operation}\t${e.digest}\t${e.actor ?? '-'}`);
      });
    });
  cmd
    .command('rollback <repository:tag> <digest>')
    .option(...DATA)
    .action(async (ref: string, digest: string, flags) => {
      const { repository, tag } = reference(ref);
      if (!isDigest(digest)) fail(`not a digest: ${digest}`);
      await withLifecycle(flags.data, async (l) => {
        await l.history.rollback(l.registry, repository, tag, digest, {
          actor: `cli:${process.env.USER ?? 'unknown'}`,
        });
        console.log(`${repository}:${tag} -> ${digest}`);
      });
    });
  return cmd;
}
