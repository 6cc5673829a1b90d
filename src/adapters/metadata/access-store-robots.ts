/** The robots and audit-event half of the Kysely AccessStore. */

import type { Kysely } from 'kysely';
import type {
  AuditEvent,
  AuditQuery,
  Listed,
  NewAuditEvent,
  NewRobot,
  RobotRecord,
  Slice,
} from '../../core/access/ports.ts';
import { type AccessTables, bool, now, orNullOnConflict, toAudit, toRobot } from './access-rows.ts';
import { safeLimit, safeOffset } from './paging.ts';

export class KyselyRobotsAndAudit {
  constructor(protected readonly db: Kysely<AccessTables>) {}

  // ------------------------------------------------------------------ robots

  async createRobot(robot: NewRobot): Promise<RobotRecord | null> {
    const t = now();
    return orNullOnConflict(async () =>
      toRobot(
        await this.db
          .insertInto('robots')
          .values({
            name: robot.name,
            description: robot.description,
            level: robot.level,
            project_id: robot.projectId,
            secret_hash: robot.secretHash,
            disabled: robot.disabled ? 1 : 0,
            expires_at: robot.expiresAt,
            permissions: JSON.stringify(robot.permissions),
            creator: robot.creator,
            created_at: t,
            updated_at: t,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      ),
    );
  }

  async robotById(id: number): Promise<RobotRecord | null> {
    const r = await this.db.selectFrom('robots').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRobot(r) : null;
  }

  async robotByName(name: string): Promise<RobotRecord | null> {
    const r = await this.db.selectFrom('robots').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toRobot(r) : null;
  }

  async listRobots(query: Slice & { projectId?: number; level?: 'project' | 'system' }): Promise<Listed<RobotRecord>> {
    let q = this.db.selectFrom('robots');
    if (query.projectId !== undefined) q = q.where('project_id', '=', query.projectId);
    if (query.level) q = q.where('level', '=', query.level);
    const total = await q.select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('id')
      .limit(safeLimit(query.limit))
      .offset(safeOffset(query.offset))
      .execute();
    return { items: rows.map(toRobot), total: Number(total.n) };
  }

  async updateRobot(
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
  ): Promise<void> {
    await this.db
      .updateTable('robots')
      .set({
        description: patch.description,
        secret_hash: patch.secretHash,
        previous_secret_hash: patch.previousSecretHash,
        previous_secret_until: patch.previousSecretUntil,
        disabled: bool(patch.disabled),
        expires_at: patch.expiresAt,
        permissions: patch.permissions ? JSON.stringify(patch.permissions) : undefined,
        updated_at: now(),
      })
      .where('id', '=', id)
      .execute();
  }

  async deleteRobot(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('robots').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ------------------------------------------------------------------- audit

  async appendAudit(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const time = now();
    await this.db
      .insertInto('audit_events')
      .values(
        events.map((e) => ({
          username: e.username,
          resource: e.resource,
          resource_type: e.resourceType,
          operation: e.operation,
          result: e.result,
          project: e.project,
          address: e.address,
          time: e.time ?? time,
        })),
      )
      .execute();
  }

  async listAudit(query: AuditQuery): Promise<Listed<AuditEvent>> {
    let q = this.db.selectFrom('audit_events');
    if (query.project !== undefined) q = q.where('project', '=', query.project);
    if (query.username) q = q.where('username', '=', query.username);
    if (query.operation) q = q.where('operation', '=', query.operation);
    if (query.resourceType) q = q.where('resource_type', '=', query.resourceType);
    const total = await q.select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('id', 'desc')
      .limit(safeLimit(query.limit))
      .offset(safeOffset(query.offset))
      .execute();
    return { items: rows.map(toAudit), total: Number(total.n) };
  }
}
