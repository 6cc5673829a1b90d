/** `berth config check` and `berth config show`: the configuration `berth serve` would run with. */
import { Command } from 'commander';
import YAML from 'yaml';
import { ConfigError, loadConfig, type ServerConfig } from '../server/config.ts';
import { settings } from '../server/config-schema.ts';

const MASK = '********';

/** The effective configuration with every secret setting that is set replaced by a mask. */
export function masked(config: ServerConfig): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const s of settings()) {
    if (!s.schema.secret) continue;
    const parts = s.key.split('.');
    const parent = parts.slice(0, -1).reduce<Record<string, unknown>>((n, p) => n[p] as Record<string, unknown>, copy);
    const leaf = parts[parts.length - 1];
    if (parent[leaf] !== undefined && parent[leaf] !== '') parent[leaf] = MASK;
  }
  return copy;
}

function load(flags: { config?: string }): ServerConfig {
  try {
    return loadConfig({ file: flags.config });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

export function configCommand(): Command {
  const cmd = new Command('config').description('check or show the configuration (file, BERTH_* variables, defaults)');
  cmd
    .command('check')
    .description('exit 0 when the configuration is valid; otherwise print what is wrong, with its key, and exit 1')
    .option('--config <file>', 'configuration file (BERTH_CONFIG, default ./berth.yaml if present)')
    .action((flags) => {
      load(flags);
      console.log('configuration ok');
    });
  cmd
    .command('show')
    .description('print the effective configuration as YAML, secrets masked')
    .option('--config <file>', 'configuration file (BERTH_CONFIG, default ./berth.yaml if present)')
    .action((flags) => {
      process.stdout.write(YAML.stringify(masked(load(flags))));
    });
  return cmd;
}
