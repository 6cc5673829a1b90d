/** WebhookStore over Kysely (SQLite and PostgreSQL, migration 0250_webhooks). */
import { type Kysely, sql } from 'kysely';
import type {
  DeliveryRecord,
  DeliveryUpdate,
  NewDelivery,
  NewWebhookPolicy,
  PayloadFormat,
  StoredTarget,
  WebhookPolicyRecord,
  WebhookStore,
} from '../../features/webhooks/store.ts';

export interface WebhookTables {
  webhook_policies: {
    id: number;
    project_id: number;
    name: string;
    description: string;
    targets: string;
    event_types: string;
    creator: string;
    enabled: number;
    secret_sealed: string;
    created_at: string;
    updated_at: string;
  };
  webhook_deliveries: {
    id: number;
    policy_id: number;
    event_type: string;
    address: string;
    payload_format: string;
    body: string;
    status: string;
    status_message: string;
    attempts: number;
    response_code: number | null;
    log: string;
    created_at: string;
    updated_at: string;
    started_at: string | null;
    ended_at: string | null;
  };
}

const now = () => new Date().toISOString();

const toPolicy = (r: WebhookTables['webhook_policies']): WebhookPolicyRecord => ({
  id: Number(r.id),
  projectId: Number(r.project_id),
  name: r.name,
  description: r.description,
  targets: JSON.parse(r.targets) as StoredTarget[],
  eventTypes: JSON.parse(r.event_types) as string[],
  creator: r.creator,
  enabled: Number(r.enabled) === 1,
  secretSealed: r.secret_sealed,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDelivery = (r: WebhookTables['webhook_deliveries']): DeliveryRecord => ({
  id: Number(r.id),
  policyId: Number(r.policy_id),
  eventType: r.event_type,
  address: r.address,
  payloadFormat: r.payload_format as PayloadFormat,
  body: r.body,
  status: r.status as DeliveryRecord['status'],
  statusMessage: r.status_message,
  attempts: Number(r.attempts),
  responseCode: r.response_code === null ? null : Number(r.response_code),
  log: r.log,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
});

const policyColumns = (p: NewWebhookPolicy) => ({
  project_id: p.projectId,
  name: p.name,
  description: p.description,
  targets: JSON.stringify(p.targets),
  event_types: JSON.stringify(p.eventTypes),
  creator: p.creator,
  enabled: p.enabled ? 1 : 0,
  secret_sealed: p.secretSealed,
});

export class KyselyWebhookStore implements WebhookStore {
  constructor(private readonly db: Kysely<WebhookTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyWebhookStore {
    return new KyselyWebhookStore(db as unknown as Kysely<WebhookTables>);
  }

  async createPolicy(p: NewWebhookPolicy): Promise<number> {
    const at = now();
    const row = await this.db
      .insertInto('webhook_policies')
      .values({ ...policyColumns(p), created_at: at, updated_at: at } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updatePolicy(id: number, p: NewWebhookPolicy): Promise<void> {
    await this.db
      .updateTable('webhook_policies')
      .set({ ...policyColumns(p), updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  async deletePolicy(id: number): Promise<void> {
    await this.db.deleteFrom('webhook_deliveries').where('policy_id', '=', id).execute();
    await this.db.deleteFrom('webhook_policies').where('id', '=', id).execute();
  }

  async policy(id: number): Promise<WebhookPolicyRecord | null> {
    const row = await this.db.selectFrom('webhook_policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPolicy(row) : null;
  }

  async policyByName(projectId: number, name: string): Promise<WebhookPolicyRecord | null> {
    const row = await this.db
      .selectFrom('webhook_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toPolicy(row) : null;
  }

  async policiesOf(projectId: number): Promise<WebhookPolicyRecord[]> {
    const rows = await this.db
      .selectFrom('webhook_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('id')
      .execute();
    return rows.map(toPolicy);
  }

  async listeners(projectId: number, eventType: string): Promise<WebhookPolicyRecord[]> {
    const rows = await this.db
      .selectFrom('webhook_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('enabled', '=', 1)
      .execute();
    return rows.map(toPolicy).filter((p) => p.eventTypes.includes(eventType));
  }

  async addDelivery(d: NewDelivery): Promise<number> {
    const at = now();
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({
        policy_id: d.policyId,
        event_type: d.eventType,
        address: d.address,
        payload_format: d.payloadFormat,
        body: d.body,
        status: 'Pending',
        status_message: '',
        attempts: 0,
        response_code: null,
        log: '',
        created_at: at,
        updated_at: at,
        started_at: null,
        ended_at: null,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async delivery(id: number): Promise<DeliveryRecord | null> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async updateDelivery(id: number, u: DeliveryUpdate): Promise<void> {
    const at = now();
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: u.status,
        status_message: u.statusMessage.slice(0, 2000),
        attempts: u.attempts,
        response_code: u.responseCode,
        log: sql`${sql.ref('log')} || ${`${u.logLine}\n`}`,
        updated_at: at,
        started_at: sql`coalesce(${sql.ref('started_at')}, ${at})`,
        ended_at: u.ended ? at : null,
      })
      .where('id', '=', id)
      .execute();
  }

  async deliveriesOf(
    policyId: number,
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: DeliveryRecord[] }> {
    const count = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('policy_id', '=', policyId)
      .executeTakeFirstOrThrow();
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('policy_id', '=', policyId)
      .orderBy('id', 'desc')
      .offset(slice.offset)
      .limit(slice.limit)
      .execute();
    return { total: Number(count.n), items: rows.map(toDelivery) };
  }
}
