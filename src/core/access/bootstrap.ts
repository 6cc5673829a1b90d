/** First start: the `admin` system administrator, with a given or generated password. */
import { generateSecret, hashSecret, passwordProblem } from './passwords.ts';
import type { AccessStore } from './ports.ts';

/** Creates `admin` when no such user exists; returns the password when it was generated (to print once). */
export async function ensureAdmin(store: AccessStore, password?: string): Promise<{ generated: string | null }> {
  if (await store.userByName('admin')) return { generated: null };
  if (password !== undefined) {
    const problem = passwordProblem(password);
    if (problem) throw new Error(`BERTH_ADMIN_PASSWORD: ${problem}`);
  }
  const secret = password ?? `${generateSecret(18)}Aa1`;
  await store.createUser({
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
  return { generated: password === undefined ? secret : null };
}
