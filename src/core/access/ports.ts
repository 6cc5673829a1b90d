/**
 * The identity port: users, projects, members, robots and the audit log.
 * Implemented by the Kysely metadata store (SQLite and PostgreSQL).
 */
import type { ProjectRole } from './roles.ts';

export type UserSource = 'local' | 'ldap' | 'oidc';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  /** scrypt hash (see passwords.ts); null for users who log in elsewhere (LDAP, OIDC). */
  passwordHash: string | null;
  sysadmin: boolean;
  source: UserSource;
  /** Subject at the external identity provider (LDAP DN, OIDC `sub`). */
  externalId: string | null;
  /** Hash of the CLI secret registry clients use for OIDC users. */
  cliSecretHash: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewUser = Omit<UserRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface ProjectRecord {
  id: number;
  name: string;
  public: boolean;
  ownerId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface MemberRecord {
  id: number;
  projectId: number;
  userId: number;
  username: string;
  role: ProjectRole;
  createdAt: string;
}

/** What a robot may do: per project (`namespace`; `*` = every project, system robots only). */
export interface RobotPermission {
  kind: 'project';
  namespace: string;
  access: RobotAccess[];
}

export interface RobotAccess {
  resource: 'repository' | 'artifact';
  action: 'pull' | 'push' | 'delete';
}

export interface RobotRecord {
  id: number;
  /** Full name: `robot$team+ci` (project level) or `robot$ci` (system level). */
  name: string;
  description: string;
  level: 'project' | 'system';
  projectId: number | null;
  secretHash: string;
  /**
   * The secret before the last refresh, still accepted until `previousSecretUntil`
   * while Kubernetes clusters holding copies of it catch up (null: none).
   */
  previousSecretHash?: string | null;
  previousSecretUntil?: string | null;
  disabled: boolean;
  /** ISO time, or null for never. */
  expiresAt: string | null;
  permissions: RobotPermission[];
  creator: string;
  createdAt: string;
  updatedAt: string;
}

export type NewRobot = Omit<RobotRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface AuditEvent {
  id: number;
  /** Who: a username, a robot name, or `anonymous`. */
  username: string;
  /** What: e.g. `team/app:latest`, `team`, `robot$team+ci`. */
  resource: string;
  resourceType: 'artifact' | 'repository' | 'project' | 'member' | 'robot' | 'user';
  operation: string;
  result: 'success' | 'failure';
  /** Project name, when the event concerns one. */
  project: string | null;
  /** From which address. */
  address: string;
  time: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'time'> & { time?: string };

export interface Slice {
  offset: number;
  limit: number;
}

export interface Listed<T> {
  items: T[];
  total: number;
}

export interface ProjectQuery extends Slice {
  name?: string;
  /** undefined: all projects; null: public ones; a user id: public ones and those the user is a member of. */
  visibleTo?: number | null;
  /** Only public (true) or only private (false) projects; filtered before paging. */
  public?: boolean;
}

export interface AuditQuery extends Slice {
  project?: string;
  username?: string;
  operation?: string;
  resourceType?: string;
}

export interface AccessStore {
  /**
   * A value that changes whenever an identity, role or project this store answers for may have changed (on this
   * node or another): lets callers keep decisions made from its answers until then. Stores without one change it
   * on every call (nothing kept).
   */
  changeMark?(): unknown;
  createUser(user: NewUser): Promise<UserRecord | null>;
  userById(id: number): Promise<UserRecord | null>;
  userByName(username: string): Promise<UserRecord | null>;
  listUsers(query: Slice & { username?: string }): Promise<Listed<UserRecord>>;
  updateUser(id: number, patch: Partial<NewUser>): Promise<void>;
  /** Deletes the user and their memberships. */
  deleteUser(id: number): Promise<boolean>;

  createProject(project: { name: string; public: boolean; ownerId: number | null }): Promise<ProjectRecord | null>;
  projectById(id: number): Promise<ProjectRecord | null>;
  projectByName(name: string): Promise<ProjectRecord | null>;
  listProjects(query: ProjectQuery): Promise<Listed<ProjectRecord>>;
  updateProject(id: number, patch: { public?: boolean }): Promise<void>;
  /** Deletes the project, its members and its robots. */
  deleteProject(id: number): Promise<boolean>;

  addMember(projectId: number, userId: number, role: ProjectRole): Promise<MemberRecord | null>;
  memberRole(projectId: number, userId: number): Promise<ProjectRole | null>;
  memberById(projectId: number, id: number): Promise<MemberRecord | null>;
  listMembers(projectId: number, query: Slice & { username?: string }): Promise<Listed<MemberRecord>>;
  updateMember(id: number, role: ProjectRole): Promise<void>;
  removeMember(id: number): Promise<boolean>;

  createRobot(robot: NewRobot): Promise<RobotRecord | null>;
  robotById(id: number): Promise<RobotRecord | null>;
  robotByName(name: string): Promise<RobotRecord | null>;
  listRobots(query: Slice & { projectId?: number; level?: 'project' | 'system' }): Promise<Listed<RobotRecord>>;
  updateRobot(
    id: number,
    patch: Partial<
      Pick<
        RobotRecord,
        | 'description'
        | 'secretHash'
        | 'previousSecretHash'
        | 'previousSecretUntil'
        | 'disabled'
        | 'expiresAt'
        | 'permissions'
      >
    >,
  ): Promise<void>;
  deleteRobot(id: number): Promise<boolean>;

  /** Appends events in one statement, in order. */
  appendAudit(events: NewAuditEvent[]): Promise<void>;
  listAudit(query: AuditQuery): Promise<Listed<AuditEvent>>;
}

/** The token signing key pair (ES256) the token service signs with; kept by an adapter (src/adapters/keys). */
export interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Key id: the RFC 7638 thumbprint of the public key. */
  kid: string;
  /** The public key as a JWK (with kid, alg, use), for verifiers. */
  publicJwk: { kty?: string; kid?: string; [parameter: string]: unknown };
}
