/**
 * What the `berth kube` commands share: they open the local metadata
 * database and the credentials key (from the same configuration and data
 * folder as `berth serve`), like `berth fsck` does.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from '../features/kube/errors.ts';
import type { KubeFeature } from '../features/kube/feature.ts';
import { type NoteLog, openAccess, openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openKube } from '../server/features.ts';

export interface CommonFlags {
  data?: string;
  config?: string;
}

export function withStore(command: Command): Command {
  return command
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)');
}

/** Runs `fn` with the Kubernetes feature over the local database, then closes it. */
export async function withKube<T>(flags: CommonFlags, fn: (kube: KubeFeature) => Promise<T>): Promise<T> {
  const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
  const registry = await openRegistry(config);
  const log: NoteLog = {
    info: (o: object, msg: string) => console.error(`berth: ${msg} (${JSON.stringify(o)})`),
    warn: (o: object, msg: string) => console.error(`berth: warning: ${msg} (${JSON.stringify(o)})`),
    error: (o: object, msg: string) => console.error(`berth: error: ${msg} (${JSON.stringify(o)})`),
  };
  try {
    const kube = await openKube(config, registry, log, openAccess(registry));
    return await fn(kube);
  } catch (e) {
    if (e instanceof KubeInvalidError || e instanceof KubeNotFoundError || e instanceof KubeConflictError) {
      throw new Error(e.message);
    }
    throw e;
  } finally {
    await registry.metadata.close();
  }
}

/** A secret from --password, --password-stdin or --password-file; stdin is read whole, one trailing newline dropped. */
export function readPassword(flags: {
  password?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}): string | undefined {
  if (flags.passwordStdin) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (flags.passwordFile) return readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '');
  return flags.password;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

/** Left-aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
