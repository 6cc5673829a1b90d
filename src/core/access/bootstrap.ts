/**
 * First start: the `admin` system administrator, with a given or generated
 * password. Only on a fresh database (no user at all): an admin deleted later
 * is not brought back by a restart.
 */
import { generateSecret, hashSecret, passwordProblem } from './passwords.ts';
import type { AccessStore } from './ports.ts';

/** Creates `admin` on a fresh database; returns the password when it was generated here (to print once). */
export async function ensureAdmin(store: AccessStore, password?: string): Promise<{ generated: string | null }> {
  if ((await store.listUsers({ offset: 0, limit: 1 })).total > 0) return { generated: null };
  if (password !== undefined) {
    const problem = passwordProblem(password);
    if (problem) throw new Error(`BERTH_ADMIN_PASSWORD: ${problem}`);
  }
  const secret = password ?? `${generateSecret(18)}Aa1`;
  const created = await store.createUser({
    username: 'admin',
    email: '',
    realname: 'system administrator',
    comment: 'created on first start',
    passwordHash: await hashSecret(secret),
    sysadmin: true,
    source: 'local',
    externalId: null,
    cliSecretHash: null,
  });
  // Another node created it at the same moment: its password stands, not ours.
  return { generated: created && password === undefined ? secret : null };
}
