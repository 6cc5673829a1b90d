/**
 * Access decisions and logins. Everything here works on the AccessStore port;
 * the HTTP layer asks it who a caller is and what the caller may do.
 */
import { createHash } from 'node:crypto';
import { projectOf } from '../names.ts';
import { AuditBuffer } from './audit-buffer.ts';
import { generateSecret, hashSecret, verifySecret } from './passwords.ts';
import type {
  AccessStore,
  AuditEvent,
  AuditQuery,
  Listed,
  NewAuditEvent,
  NewRobot,
  ProjectRecord,
  RobotRecord,
  UserRecord,
} from './ports.ts';
import type { Principal } from './principal.ts';
import { isRobotName, robotActions } from './robots.ts';
import { MATRIX, PERMISSIONS, type Permission } from './roles.ts';

export type RegistryAction = 'pull' | 'push' | 'delete';

/** A directory that checks passwords elsewhere (LDAP). */
export interface ExternalDirectory {
  readonly source: 'ldap';
  verify(
    username: string,
    password: string,
  ): Promise<{ username: string; email: string; realname: string; externalId: string } | null>;
}

export interface AccessServiceOptions {
  now?: () => Date;
  directory?: ExternalDirectory;
  onError?: (err: unknown) => void;
}

const ACTION_PERMISSION: Record<RegistryAction, Permission> = {
  pull: 'pull',
  push: 'push',
  delete: 'deleteArtifact',
};

export class AccessService {
  private readonly now: () => Date;
  /** Recently verified secrets, keyed by a hash of (stored hash, secret): skips scrypt on every Basic request. */
  private readonly verified = new Map<string, number>();
  /** Checks in progress, by the same key: shared by concurrent requests. */
  private readonly checking = new Map<string, Promise<boolean>>();

  private readonly pulls: AuditBuffer;

  constructor(
    readonly store: AccessStore,
    private readonly options: AccessServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.pulls = new AuditBuffer(store, (err) => options.onError?.(err));
  }

  // ------------------------------------------------------------------ logins

  /** The secret before a refresh, while its overlap window is open (clusters still hold copies of it). */
  private async previousSecretMatches(robot: RobotRecord, password: string): Promise<boolean> {
    const until = robot.previousSecretUntil;
    if (!robot.previousSecretHash || !until || Date.parse(until) <= this.now().getTime()) return false;
    return this.check(password, robot.previousSecretHash);
  }

  /** Checks a username (or robot name) and password; null when they don't match an active account. */
  async login(username: string, password: string): Promise<Principal | null> {
    if (!username || !password) return null;
    // No account can have a NUL in its name (PostgreSQL cannot even compare one): a failed login, on every store.
    if (username.includes('\0') || username.length > 255) return this.burn(password);
    if (isRobotName(username)) {
      const robot = await this.store.robotByName(username);
      if (!robot) return this.burn(password);
      if (!(await this.check(password, robot.secretHash)) && !(await this.previousSecretMatches(robot, password)))
        return null;
      return this.robotPrincipal(username);
    }
    const user = await this.store.userByName(username);
    if (user && user.source === 'local') {
      return (await this.check(password, user.passwordHash)) ? this.userPrincipal(user) : null;
    }
    if (user && user.source === 'oidc') {
      return (await this.check(password, user.cliSecretHash)) ? this.userPrincipal(user) : null;
    }
    const directory = this.options.directory;
    if (!directory) return this.burn(password);
    let found: Awaited<ReturnType<ExternalDirectory['verify']>>;
    try {
      found = await directory.verify(username, password);
    } catch (err) {
      // The directory is down or misconfigured: no login, and say why in the log.
      this.options.onError?.(err);
      return null;
    }
    if (!found) return null;
    // Only an LDAP account may be entered through LDAP (never a local one with the same name).
    const account = user ?? (await this.store.userByName(found.username));
    if (account) return account.source === 'ldap' ? this.userPrincipal(account) : null;
    const created =
      (await this.store.createUser({
        username: found.username,
        email: found.email,
        realname: found.realname,
        comment: 'from LDAP',
        passwordHash: null,
        sysadmin: false,
        source: 'ldap',
        externalId: found.externalId,
        cliSecretHash: null,
      })) ?? (await this.store.userByName(found.username));
    return created?.source === 'ldap' ? this.userPrincipal(created) : null;
  }

  private dummy?: Promise<string>;

  /** Spends the time of a password check on an unknown name, so timing does not tell which names exist. */
  private async burn(password: string): Promise<null> {
    this.dummy ??= hashSecret(generateSecret());
    await verifySecret(password, await this.dummy);
    return null;
  }

  private async check(secret: string, stored: string | null): Promise<boolean> {
    if (!stored) return false;
    const key = createHash('sha256').update(stored).update('\0').update(secret).digest('base64');
    const until = this.verified.get(key);
    const now = Date.now();
    if (until !== undefined && until > now) return true;
    // Concurrent requests with the same credentials (a client's 64 connections
    // at once) share one check instead of running one scrypt each.
    let pending = this.checking.get(key);
    if (!pending) {
      pending = verifySecret(secret, stored).finally(() => this.checking.delete(key));
      this.checking.set(key, pending);
    }
    if (!(await pending)) return false;
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, now + 60_000);
    return true;
  }

  private userPrincipal(user: UserRecord): Principal {
    return { kind: 'user', id: user.id, name: user.username, sysadmin: user.sysadmin };
  }

  /** The account behind a name as it is now: null if deleted, disabled or expired. */
  async current(name: string): Promise<Principal | null> {
    if (isRobotName(name)) return this.robotPrincipal(name);
    const user = await this.store.userByName(name);
    return user ? this.userPrincipal(user) : null;
  }

  private async robotPrincipal(name: string): Promise<Principal | null> {
    const robot = await this.store.robotByName(name);
    if (!robot || robot.disabled) return null;
    if (robot.expiresAt !== null && Date.parse(robot.expiresAt) <= this.now().getTime()) return null;
    return {
      kind: 'robot',
      id: robot.id,
      name: robot.name,
      level: robot.level,
      projectId: robot.projectId,
      permissions: robot.permissions,
    };
  }

  // ------------------------------------------------------------------ robots

  /**
   * Creates a robot account with a freshly generated secret (returned once,
   * stored only as a hash); null when the name is taken.
   */
  async createRobot(robot: Omit<NewRobot, 'secretHash'>): Promise<{ robot: RobotRecord; secret: string } | null> {
    const secret = generateSecret();
    const created = await this.store.createRobot({ ...robot, secretHash: await hashSecret(secret) });
    return created ? { robot: created, secret } : null;
  }

  // --------------------------------------------------------------- decisions

  /** Everything `principal` may do in `project`. */
  async permissions(principal: Principal, project: ProjectRecord): Promise<Set<Permission>> {
    const out = new Set<Permission>();
    if (project.public) out.add('pull');
    if (principal.kind === 'user') {
      if (principal.sysadmin) return new Set(PERMISSIONS);
      const role = await this.store.memberRole(project.id, principal.id);
      if (role) for (const p of PERMISSIONS) if (MATRIX[role][p]) out.add(p);
    } else if (principal.kind === 'robot') {
      if (principal.level === 'project' && principal.projectId !== project.id) return out;
      for (const action of robotActions(principal.permissions, project.name)) out.add(ACTION_PERMISSION[action]);
    }
    return out;
  }

  async can(principal: Principal, project: ProjectRecord, permission: Permission): Promise<boolean> {
    return (await this.permissions(principal, project)).has(permission);
  }

  /**
   * Of `requested`, the registry actions `principal` may take on `repository`.
   * A system administrator may push to a project that does not exist yet
   * (it is created, private, on the first push: see `projectForPush`).
   */
  async repositoryActions(
    principal: Principal,
    repository: string,
    requested: RegistryAction[],
  ): Promise<RegistryAction[]> {
    const project = await this.store.projectByName(projectOf(repository));
    if (!project) return principal.kind === 'user' && principal.sysadmin ? [...requested] : [];
    const perms = await this.permissions(principal, project);
    return requested.filter((a) => perms.has(ACTION_PERMISSION[a]));
  }

  /** Creates the project of `repository` for a system administrator's first push. */
  async projectForPush(principal: Principal, repository: string, address: string): Promise<void> {
    if (principal.kind !== 'user' || !principal.sysadmin) return;
    const name = projectOf(repository);
    if (await this.store.projectByName(name)) return;
    const created = await this.store.createProject({ name, public: false, ownerId: principal.id });
    if (created)
      await this.audit({
        username: principal.name,
        resource: name,
        resourceType: 'project',
        operation: 'create',
        result: 'success',
        project: name,
        address,
      });
  }

  // ------------------------------------------------------------------- audit

  private readonly pullTime = () => this.now().toISOString();

  async audit(event: NewAuditEvent): Promise<void> {
    if (event.operation === 'pull' && event.result === 'success') {
      this.pulls.add(event, this.pullTime);
      return;
    }
    try {
      await this.store.appendAudit([event]);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** The audit log, with this node's buffered pulls written first. */
  async listAudit(query: AuditQuery): Promise<Listed<AuditEvent>> {
    await this.pulls.flush();
    return this.store.listAudit(query);
  }

  /** Writes what is buffered (shutdown). */
  async close(): Promise<void> {
    await this.pulls.flush();
  }
}
