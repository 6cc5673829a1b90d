/**
 * First start: the `admin` system administrator, with a given or generated
 * password, created whenever no system administrator exists (a fresh
 * database, or users made with `berth user create` before the first start).
 * While any administrator exists, nothing happens: a deleted `admin` is not
 * brought back by a restart.
 */
import { generateSecret, hashSecret, passwordProblem } from './passwords.ts';
import type { AccessStore } from './ports.ts';

/** Creates `admin` when there is no administrator; returns the password when it was generated here (to print once). */
export async function ensureAdmin(store: AccessStore, password?: string): Promise<{ generated: string | null }> {
  const { items } = await store.listUsers({ offset: 0, limit: 1_000_000 });
  if (items.some((u) => u.sysadmin) || items.some((u) => u.username === 'admin')) return { generated: null };
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
