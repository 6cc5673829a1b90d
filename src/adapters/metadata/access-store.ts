/**
 * AccessStore over Kysely: the same code for SQLite and PostgreSQL. Built on
 * the metadata store's Kysely instance (its migrations create these tables).
 */

import type { Kysely } from 'kysely';
import type {
  AccessStore,
  Listed,
  MemberRecord,
  NewUser,
  ProjectQuery,
  ProjectRecord,
  Slice,
  UserRecord,
} from '../../core/access/ports.ts';
import type { ProjectRole } from '../../core/access/roles.ts';
import { type AccessTables, bool, contains, now, orNullOnConflict, toProject, toUser } from './access-rows.ts';
import { KyselyRobotsAndAudit } from './access-store-robots.ts';
import { safeLimit, safeOffset } from './paging.ts';

/** Users, projects and members here; robots and the audit log in the base class. */
export class KyselyAccessStore extends KyselyRobotsAndAudit implements AccessStore {
  /** Over another store's Kysely instance (the metadata store's: its migrations created these tables). */
  static over<DB>(db: Kysely<DB>): KyselyAccessStore {
    return new KyselyAccessStore(db as unknown as Kysely<AccessTables>);
  }

  // ------------------------------------------------------------------- users

  async createUser(user: NewUser): Promise<UserRecord | null> {
    const t = now();
    const row = {
      username: user.username,
      email: user.email,
      realname: user.realname,
      comment: user.comment,
      password_hash: user.passwordHash,
      sysadmin: user.sysadmin ? 1 : 0,
      source: user.source,
      external_id: user.externalId,
      cli_secret_hash: user.cliSecretHash,
      created_at: t,
      updated_at: t,
    };
    return orNullOnConflict(async () =>
      toUser(await this.db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow()),
    );
  }

  async userById(id: number): Promise<UserRecord | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async userByName(username: string): Promise<UserRecord | null> {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async listUsers(query: Slice & { username?: string }): Promise<Listed<UserRecord>> {
    let q = this.db.selectFrom('users');
    if (query.username) q = q.where(contains('username', query.username));
    const total = await q.select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('id')
      .limit(safeLimit(query.limit))
      .offset(safeOffset(query.offset))
      .execute();
    return { items: rows.map(toUser), total: Number(total.n) };
  }

  async updateUser(id: number, patch: Partial<NewUser>): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        email: patch.email,
        realname: patch.realname,
        comment: patch.comment,
        password_hash: patch.passwordHash,
        sysadmin: bool(patch.sysadmin),
        external_id: patch.externalId,
        cli_secret_hash: patch.cliSecretHash,
        updated_at: now(),
      })
      .where('id', '=', id)
      .execute();
  }

  async deleteUser(id: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('members').where('user_id', '=', id).execute();
      const res = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ---------------------------------------------------------------- projects

  async createProject(p: { name: string; public: boolean; ownerId: number | null }): Promise<ProjectRecord | null> {
    const t = now();
    return orNullOnConflict(async () =>
      toProject(
        await this.db
          .insertInto('projects')
          .values({ name: p.name, public: p.public ? 1 : 0, owner_id: p.ownerId, created_at: t, updated_at: t })
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async projectById(id: number): Promise<ProjectRecord | null> {
    const r = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toProject(r) : null;
  }

  async projectByName(name: string): Promise<ProjectRecord | null> {
    const r = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toProject(r) : null;
  }

  async listProjects(query: ProjectQuery): Promise<Listed<ProjectRecord>> {
    let q = this.db.selectFrom('projects');
    if (query.name) q = q.where(contains('name', query.name));
    if (query.public !== undefined) q = q.where('public', '=', query.public ? 1 : 0);
    const who = query.visibleTo;
    if (who === null) q = q.where('public', '=', 1);
    else if (who !== undefined)
      q = q.where((e) =>
        e.or([
          e('public', '=', 1),
          e.exists(
            e
              .selectFrom('members')
              .select('members.id')
              .whereRef('members.project_id', '=', 'projects.id')
              .where('members.user_id', '=', who),
          ),
        ]),
      );
    const total = await q.select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('name')
      .limit(safeLimit(query.limit))
      .offset(safeOffset(query.offset))
      .execute();
    return { items: rows.map(toProject), total: Number(total.n) };
  }

  async updateProject(id: number, patch: { public?: boolean }): Promise<void> {
    await this.db
      .updateTable('projects')
      .set({ public: bool(patch.public), updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('members').where('project_id', '=', id).execute();
      await trx.deleteFrom('robots').where('project_id', '=', id).execute();
      const res = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ----------------------------------------------------------------- members

  private members() {
    return this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .select([
        'members.id as id',
        'members.project_id as project_id',
        'members.user_id as user_id',
        'members.role as role',
        'members.created_at as created_at',
        'users.username as username',
      ]);
  }

  async addMember(projectId: number, userId: number, role: ProjectRole): Promise<MemberRecord | null> {
    const created = await orNullOnConflict(() =>
      this.db
        .insertInto('members')
        .values({ project_id: projectId, user_id: userId, role, created_at: now() })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return created ? this.memberById(projectId, Number(created.id)) : null;
  }

  async memberRole(projectId: number, userId: number): Promise<ProjectRole | null> {
    const r = await this.db
      .selectFrom('members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r ? (r.role as ProjectRole) : null;
  }

  async memberById(projectId: number, id: number): Promise<MemberRecord | null> {
    const r = await this.members()
      .where('members.project_id', '=', projectId)
      .where('members.id', '=', id)
      .executeTakeFirst();
    return r ? toMember(r) : null;
  }

  async listMembers(projectId: number, query: Slice & { username?: string }): Promise<Listed<MemberRecord>> {
    let q = this.members().where('members.project_id', '=', projectId);
    if (query.username) q = q.where(contains('users.username', query.username));
    const all = await q.orderBy('members.id').execute();
    return { items: all.slice(query.offset, query.offset + query.limit).map(toMember), total: all.length };
  }

  async updateMember(id: number, role: ProjectRole): Promise<void> {
    await this.db.updateTable('members').set({ role }).where('id', '=', id).execute();
  }

  async removeMember(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('members').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toMember(r: {
  id: number;
  project_id: number;
  user_id: number;
  role: string;
  created_at: string;
  username: string;
}): MemberRecord {
  return {
    id: Number(r.id),
    projectId: Number(r.project_id),
    userId: Number(r.user_id),
    username: r.username,
    role: r.role as ProjectRole,
    createdAt: r.created_at,
  };
}
