/** ScannerStore over Kysely (SQLite and PostgreSQL, migration 0360_scanners). */
import type { Kysely } from 'kysely';
import type { ScannerPatch, ScannerRow, ScannerStore } from '../../features/scan/store.ts';

interface Row {
  uuid: string;
  name: string;
  description: string;
  url: string;
  auth: string;
  credential_sealed: string;
  skip_cert_verify: number;
  use_internal_addr: number;
  disabled: number;
  is_default: number;
  created_at: string;
  updated_at: string;
}

export interface ScannerTables {
  scanners: Row;
  project_scanners: { project_id: number; scanner_uuid: string };
}

const toRow = (r: Row): ScannerRow => ({
  uuid: r.uuid,
  name: r.name,
  description: r.description,
  url: r.url,
  auth: r.auth,
  credentialSealed: r.credential_sealed,
  skipCertVerify: Number(r.skip_cert_verify) === 1,
  useInternalAddr: Number(r.use_internal_addr) === 1,
  disabled: Number(r.disabled) === 1,
  isDefault: Number(r.is_default) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function columns(p: ScannerPatch): Partial<Row> {
  const out: Partial<Row> = {};
  if (p.name !== undefined) out.name = p.name;
  if (p.description !== undefined) out.description = p.description;
  if (p.url !== undefined) out.url = p.url;
  if (p.auth !== undefined) out.auth = p.auth;
  if (p.credentialSealed !== undefined) out.credential_sealed = p.credentialSealed;
  if (p.skipCertVerify !== undefined) out.skip_cert_verify = p.skipCertVerify ? 1 : 0;
  if (p.useInternalAddr !== undefined) out.use_internal_addr = p.useInternalAddr ? 1 : 0;
  if (p.disabled !== undefined) out.disabled = p.disabled ? 1 : 0;
  if (p.updatedAt !== undefined) out.updated_at = p.updatedAt;
  return out;
}

export class KyselyScannerStore implements ScannerStore {
  private constructor(private readonly db: Kysely<ScannerTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyScannerStore {
    return new KyselyScannerStore(db as unknown as Kysely<ScannerTables>);
  }

  async list(): Promise<ScannerRow[]> {
    return (await this.db.selectFrom('scanners').selectAll().orderBy('name').execute()).map(toRow);
  }

  async get(uuid: string): Promise<ScannerRow | null> {
    const r = await this.db.selectFrom('scanners').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    return r ? toRow(r) : null;
  }

  private async nameTaken(name: string, except: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('scanners')
      .select('uuid')
      .where('name', '=', name)
      .where('uuid', '!=', except)
      .executeTakeFirst();
    return r !== undefined;
  }

  async create(row: ScannerRow): Promise<boolean> {
    if (await this.nameTaken(row.name, '')) return false;
    await this.db
      .insertInto('scanners')
      .values({
        ...(columns(row) as Row),
        uuid: row.uuid,
        is_default: row.isDefault ? 1 : 0,
        created_at: row.createdAt,
        updated_at: row.updatedAt,
      })
      .execute();
    return true;
  }

  async update(uuid: string, patch: ScannerPatch): Promise<boolean> {
    if (patch.name !== undefined && (await this.nameTaken(patch.name, uuid))) return false;
    const set = columns(patch);
    if (Object.keys(set).length > 0) await this.db.updateTable('scanners').set(set).where('uuid', '=', uuid).execute();
    return true;
  }

  async remove(uuid: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('project_scanners').where('scanner_uuid', '=', uuid).execute();
      await tx.deleteFrom('scanners').where('uuid', '=', uuid).execute();
    });
  }

  async setDefault(uuid: string | null): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('scanners').set({ is_default: 0 }).where('is_default', '=', 1).execute();
      if (uuid !== null) await tx.updateTable('scanners').set({ is_default: 1 }).where('uuid', '=', uuid).execute();
    });
  }

  async projectScanner(projectId: number): Promise<string | null> {
    const r = await this.db
      .selectFrom('project_scanners')
      .select('scanner_uuid')
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return r?.scanner_uuid ?? null;
  }

  async setProjectScanner(projectId: number, uuid: string | null): Promise<void> {
    await this.db.deleteFrom('project_scanners').where('project_id', '=', projectId).execute();
    if (uuid !== null)
      await this.db.insertInto('project_scanners').values({ project_id: projectId, scanner_uuid: uuid }).execute();
  }
}
