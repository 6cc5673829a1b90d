/**
 * SigningStore over Kysely (SQLite and PostgreSQL, migration 0300_signing).
 * Registry-wide keys are stored with project_id 0 (a unique constraint over a
 * nullable column would not hold on either dialect).
 */
import { type Generated, type Kysely, sql } from 'kysely';
import type { NewTrustedKey, SigningPolicy, SigningStore } from '../../features/signing/store.ts';
import type { TrustedKeyRecord } from '../../features/signing/trust.ts';

interface SigningTables {
  signing_keys: {
    id: Generated<number>;
    project_id: number;
    name: string;
    kind: string;
    pem: string;
    algorithm: string;
    fingerprint: string;
    created_at: string;
  };
  signing_policies: { project_id: number; cosign: number; notation: number };
  signing_state: { id: number; version: number };
  projects: { id: number; name: string };
  manifest_references: { repository: string; manifest: string; child: string; kind: string };
}

const SYSTEM = 0;
const scope = (projectId: number | null) => projectId ?? SYSTEM;

const toKey = (r: Omit<SigningTables['signing_keys'], 'id'> & { id: number }): TrustedKeyRecord => ({
  id: Number(r.id),
  projectId: Number(r.project_id) === SYSTEM ? null : Number(r.project_id),
  name: r.name,
  kind: r.kind === 'certificate' ? 'certificate' : 'public_key',
  pem: r.pem,
  algorithm: r.algorithm,
  fingerprint: r.fingerprint,
  createdAt: r.created_at,
});

export class KyselySigningStore implements SigningStore {
  private constructor(private readonly db: Kysely<SigningTables>) {}

  static over<DB>(db: Kysely<DB>): KyselySigningStore {
    return new KyselySigningStore(db as unknown as Kysely<SigningTables>);
  }

  async listKeys(projectId: number | null): Promise<TrustedKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('project_id', '=', scope(projectId))
      .orderBy('id')
      .execute();
    return rows.map(toKey);
  }

  async addKey(key: NewTrustedKey): Promise<TrustedKeyRecord | null> {
    const taken = await this.db
      .selectFrom('signing_keys')
      .select('id')
      .where('project_id', '=', scope(key.projectId))
      .where('name', '=', key.name)
      .executeTakeFirst();
    if (taken) return null;
    try {
      const row = await this.db
        .insertInto('signing_keys')
        .values({
          project_id: scope(key.projectId),
          name: key.name,
          kind: key.kind,
          pem: key.pem,
          algorithm: key.algorithm,
          fingerprint: key.fingerprint,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toKey(row);
    } catch (err) {
      if (/unique|duplicate/i.test((err as Error).message)) return null;
      throw err;
    }
  }

  async deleteKey(projectId: number | null, id: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('signing_keys')
      .where('project_id', '=', scope(projectId))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async policy(projectId: number): Promise<SigningPolicy> {
    const row = await this.db
      .selectFrom('signing_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return { cosign: Number(row?.cosign ?? 0) === 1, notation: Number(row?.notation ?? 0) === 1 };
  }

  async setPolicy(projectId: number, policy: SigningPolicy): Promise<void> {
    const values = { project_id: projectId, cosign: policy.cosign ? 1 : 0, notation: policy.notation ? 1 : 0 };
    await this.db
      .insertInto('signing_policies')
      .values(values)
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ cosign: values.cosign, notation: values.notation }))
      .execute();
  }

  async projectIdByName(name: string): Promise<number | null> {
    const row = await this.db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  async parents(repository: string, digest: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('manifest_references')
      .select('manifest')
      .where('repository', '=', repository)
      .where('child', '=', digest)
      .where('kind', '=', 'manifest')
      .limit(50)
      .execute();
    return rows.map((r) => r.manifest);
  }

  async version(): Promise<number> {
    const row = await this.db.selectFrom('signing_state').select('version').where('id', '=', 1).executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  async bumpVersion(): Promise<number> {
    await this.db.updateTable('signing_state').set({ version: sql`version + 1` }).where('id', '=', 1).execute();
    return this.version();
  }
}
