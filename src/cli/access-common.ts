/** Shared by the user, project and robot commands: open the identities of a data folder. */
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

export const auditCli = (access: AccessService, event: Parameters<AccessService['audit']>[0]) =>
  access.audit({ ...event, username: `cli:${process.env.USER ?? 'unknown'}`, address: 'local' });

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
