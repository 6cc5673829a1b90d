/** RegistriesStore over Kysely (SQLite and PostgreSQL, migration 0200_registries). */
import type { Kysely } from 'kysely';
import type {
  NewRegistry,
  RegistriesStore,
  RegistryPatch,
  RegistryRecord,
  RegistryType,
} from '../../features/registries/store.ts';

export interface RegistriesTables {
  registries: {
    id: number;
    name: string;
    type: string;
    url: string;
    description: string;
    insecure: number;
    ca_certificate: string | null;
    credential_type: string | null;
    access_key: string;
    access_secret_sealed: string;
    status: string;
    created_at: string;
    updated_at: string;
  };
}

type Row = RegistriesTables['registries'];

const toRecord = (r: Row): RegistryRecord => ({
  id: Number(r.id),
  name: r.name,
  type: r.type as RegistryType,
  url: r.url,
  description: r.description,
  insecure: Number(r.insecure) === 1,
  caCertificate: r.ca_certificate,
  credentialType: r.credential_type === 'basic' ? 'basic' : null,
  accessKey: r.access_key,
  accessSecretSealed: r.access_secret_sealed,
  status: r.status as RegistryRecord['status'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/.test(err?.message ?? '')
  );
}

export class KyselyRegistriesStore implements RegistriesStore {
  constructor(private readonly db: Kysely<RegistriesTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyRegistriesStore {
    return new KyselyRegistriesStore(db as unknown as Kysely<RegistriesTables>);
  }

  async create(r: NewRegistry): Promise<RegistryRecord | null> {
    const t = new Date().toISOString();
    try {
      const row = await this.db
        .insertInto('registries')
        .values({
          name: r.name,
          type: r.type,
          url: r.url,
          description: r.description,
          insecure: r.insecure ? 1 : 0,
          ca_certificate: r.caCertificate,
          credential_type: r.credentialType,
          access_key: r.accessKey,
          access_secret_sealed: r.accessSecretSealed,
          status: r.status,
          created_at: t,
          updated_at: t,
        } as Omit<Row, 'id'> as Row)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  async byId(id: number): Promise<RegistryRecord | null> {
    const row = await this.db.selectFrom('registries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async byName(name: string): Promise<RegistryRecord | null> {
    const row = await this.db.selectFrom('registries').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(filter: { name?: string } = {}): Promise<RegistryRecord[]> {
    let q = this.db.selectFrom('registries').selectAll().orderBy('id');
    if (filter.name) q = q.where('name', 'like', `%${filter.name.replace(/[%_\\]/g, '')}%`);
    return (await q.execute()).map(toRecord);
  }

  async update(id: number, p: RegistryPatch): Promise<RegistryRecord | null | 'conflict'> {
    const set: Partial<Row> = {};
    if (p.name !== undefined) set.name = p.name;
    if (p.url !== undefined) set.url = p.url;
    if (p.description !== undefined) set.description = p.description;
    if (p.insecure !== undefined) set.insecure = p.insecure ? 1 : 0;
    if (p.caCertificate !== undefined) set.ca_certificate = p.caCertificate;
    if (p.credentialType !== undefined) set.credential_type = p.credentialType;
    if (p.accessKey !== undefined) set.access_key = p.accessKey;
    if (p.accessSecretSealed !== undefined) set.access_secret_sealed = p.accessSecretSealed;
    if (p.status !== undefined) set.status = p.status;
    // A status change is not an edit: it keeps update_time (and the cached client).
    if (Object.keys(set).some((k) => k !== 'status')) set.updated_at = new Date().toISOString();
    if (Object.keys(set).length === 0) return this.byId(id);
    try {
      const row = await this.db
        .updateTable('registries')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    } catch (e) {
      if (isUniqueViolation(e)) return 'conflict';
      throw e;
    }
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('registries').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
