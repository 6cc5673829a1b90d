/**
 * Local users' use cases, once, for every caller: the management API
 * (src/http/api/access/users.ts) and the CLI (src/cli/user.ts) create users,
 * set passwords, CLI secrets and the administrator role, and delete users
 * here, and each change is audited here. Who may do it (self or an
 * administrator, the old password) is the caller's business.
 */
import { generateSecret, hashSecret, passwordProblem } from './passwords.ts';
import type { UserRecord } from './ports.ts';
import { type Actor, Refusal } from './refusal.ts';
import { isRobotName } from './robots.ts';
import type { AccessService } from './service.ts';

const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,254}$/;

export interface UserDraft {
  username: string;
  password: string;
  email?: string;
  realname?: string;
  comment?: string;
  sysadmin?: boolean;
}

export interface UserProfile {
  email?: string;
  realname?: string;
  comment?: string;
}

function checkPassword(password: string, what = 'password'): void {
  const problem = passwordProblem(password);
  if (problem) throw new Refusal('invalid', problem.replace('password', what));
}

export class UserService {
  constructor(private readonly access: AccessService) {}

  private audit(actor: Actor, username: string, operation: string) {
    return this.access.audit({
      username: actor.name,
      resource: username,
      resourceType: 'user',
      operation,
      result: 'success',
      project: null,
      address: actor.address,
    });
  }

  async create(draft: UserDraft, actor: Actor): Promise<UserRecord> {
    if (!USERNAME.test(draft.username) || isRobotName(draft.username)) throw new Refusal('invalid', 'invalid username');
    checkPassword(draft.password);
    const created = await this.access.store.createUser({
      username: draft.username,
      email: draft.email ?? '',
      realname: draft.realname ?? '',
      comment: draft.comment ?? '',
      passwordHash: await hashSecret(draft.password),
      sysadmin: draft.sysadmin === true,
      source: 'local',
      externalId: null,
      cliSecretHash: null,
    });
    if (!created) throw new Refusal('conflict', `user ${draft.username} already exists`);
    await this.audit(actor, draft.username, 'create');
    return created;
  }

  /** E-mail, real name, comment (not audited, as Harbor). */
  updateProfile(user: UserRecord, profile: UserProfile): Promise<void> {
    return this.access.store.updateUser(user.id, profile);
  }

  async setPassword(user: UserRecord, password: string, actor: Actor): Promise<void> {
    checkPassword(password);
    await this.access.store.updateUser(user.id, { passwordHash: await hashSecret(password) });
    await this.audit(actor, user.username, 'change_password');
  }

  /** A new generated password for a local user (a lost admin password), returned once. */
  async resetPassword(user: UserRecord, actor: Actor): Promise<string> {
    if (user.source !== 'local')
      throw new Refusal('invalid', `${user.username} signs in through ${user.source}: reset the password there`);
    const password = `${generateSecret(18)}Aa1`;
    await this.setPassword(user, password, actor);
    return password;
  }

  async setSysadmin(user: UserRecord, flag: boolean, actor: Actor): Promise<void> {
    await this.access.store.updateUser(user.id, { sysadmin: flag });
    await this.audit(actor, user.username, flag ? 'grant_sysadmin' : 'revoke_sysadmin');
  }

  /** An OIDC user's CLI secret (the password registry clients give): the given one, or a generated one. */
  async setCliSecret(user: UserRecord, actor: Actor, given?: string): Promise<string> {
    if (user.source !== 'oidc') throw new Refusal('invalid', 'only OIDC users have a CLI secret');
    if (given !== undefined) checkPassword(given, 'secret');
    const secret = given ?? generateSecret();
    await this.access.store.updateUser(user.id, { cliSecretHash: await hashSecret(secret) });
    await this.audit(actor, user.username, 'set_cli_secret');
    return secret;
  }

  async delete(user: UserRecord, actor: Actor): Promise<void> {
    await this.access.store.deleteUser(user.id);
    await this.audit(actor, user.username, 'delete');
  }
}
