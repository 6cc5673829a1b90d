/** Shared by the user, project and robot commands: open the identities of a data folder. */
import { userInfo } from 'node:os';
import type { AccessService } from '../core/access/service.ts';
import type { Registry } from '../core/registry.ts';
import { openAccess, openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

export async function withAccess<T>(
  data: string | undefined,
  fn: (access: AccessService, registry: Registry) => Promise<T>,
): Promise<T> {
  const registry = await openRegistry(loadConfig({ overrides: { data_dir: data } }));
  try {
    return await fn(openAccess(registry), registry);
  } finally {
    await registry.metadata.close();
  }
}

/** Who runs the CLI: the operating-system account (USER is often unset under sudo, cron or a service). */
export function cliActor(): string {
  let name = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME;
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = `uid ${process.getuid?.() ?? 'unknown'}`;
    }
  }
  return `cli:${name}`;
}

export const OUTPUT = ['--output <format>', 'table (default) or json', 'table'] as const;

/** Prints rows as a table with a header, or (`--output json`) as a JSON array of objects. */
export function printList<T extends Record<string, unknown>>(
  format: string,
  columns: [key: keyof T & string, header: string][],
  rows: T[],
): void {
  if (format === 'json') {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (format !== 'table') fail(`--output: say table or json, not ${format}`);
  const cells = [columns.map(([, h]) => h), ...rows.map((r) => columns.map(([k]) => String(r[k] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  for (const line of cells)
    console.log(
      line
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

/** A password from --password, or the first line of stdin (--password-stdin). */
export async function readPassword(flags: { password?: string; passwordStdin?: boolean }): Promise<string> {
  if (flags.password !== undefined) return flags.password;
  if (!flags.passwordStdin) throw new Error('give --password or --password-stdin');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.split('\n')[0];
}

export function fail(message: string): never {
  throw new Error(message);
}

export const DATA = ['--data <dir>', 'data folder (BERTH_DATA, default ./data)'] as const;
