/** Row types of the access tables and their mapping to the core records. */
import { type Expression, type Generated, type Selectable, type SqlBool, sql } from 'kysely';
import type { AuditEvent, ProjectRecord, RobotRecord, UserRecord } from '../../core/access/ports.ts';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  realname: string;
  comment: string;
  password_hash: string | null;
  sysadmin: number;
  source: string;
  external_id: string | null;
  cli_secret_hash: string | null;
  created_at: string;
  updated_at: string;
}
export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  public: number;
  owner_id: number | null;
  created_at: string;
  updated_at: string;
}
export interface MembersTable {
  id: Generated<number>;
  project_id: number;
  user_id: number;
  role: string;
  created_at: string;
}
export interface RobotsTable {
  id: Generated<number>;
  name: string;
  description: string;
  level: string;
  project_id: number | null;
  secret_hash: string;
  /** Migration 0411_robot_secret_overlap. */
  previous_secret_hash: string | null;
  previous_secret_until: string | null;
  disabled: number;
  expires_at: string | null;
  permissions: string;
  creator: string;
  created_at: string;
  updated_at: string;
}
export interface AuditTable {
  id: Generated<number>;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  result: string;
  project: string | null;
  address: string;
  time: string;
}
export interface AccessTables {
  users: UsersTable;
  projects: ProjectsTable;
  members: MembersTable;
  robots: RobotsTable;
  audit_events: AuditTable;
}

export const now = () => new Date().toISOString();
export const bool = (v: boolean | undefined) => (v === undefined ? undefined : v ? 1 : 0);

export const toUser = (r: Selectable<UsersTable>): UserRecord => ({
  id: Number(r.id),
  username: r.username,
  email: r.email,
  realname: r.realname,
  comment: r.comment,
  passwordHash: r.password_hash,
  sysadmin: Number(r.sysadmin) === 1,
  source: r.source as UserRecord['source'],
  externalId: r.external_id,
  cliSecretHash: r.cli_secret_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
export const toProject = (r: Selectable<ProjectsTable>): ProjectRecord => ({
  id: Number(r.id),
  name: r.name,
  public: Number(r.public) === 1,
  ownerId: r.owner_id === null ? null : Number(r.owner_id),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
export const toRobot = (r: Selectable<RobotsTable>): RobotRecord => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  level: r.level as RobotRecord['level'],
  projectId: r.project_id === null ? null : Number(r.project_id),
  secretHash: r.secret_hash,
  previousSecretHash: r.previous_secret_hash ?? null,
  previousSecretUntil: r.previous_secret_until ?? null,
  disabled: Number(r.disabled) === 1,
  expiresAt: r.expires_at,
  permissions: JSON.parse(r.permissions),
  creator: r.creator,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
export const toAudit = (r: Selectable<AuditTable>): AuditEvent => ({
  id: Number(r.id),
  username: r.username,
  resource: r.resource,
  resourceType: r.resource_type as AuditEvent['resourceType'],
  operation: r.operation,
  result: r.result as AuditEvent['result'],
  project: r.project,
  address: r.address,
  time: r.time,
});

/** Unique-constraint violations on SQLite and PostgreSQL. */
export function isConflict(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/.test(e.message ?? '');
}

export async function orNullOnConflict<T>(f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (err) {
    if (isConflict(err)) return null;
    throw err;
  }
}

/** `column` contains `text` literally (LIKE with an explicit escape: SQLite has no default one). */
export function contains(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
