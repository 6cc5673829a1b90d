/** ScanStore over Kysely (SQLite and PostgreSQL, migration 0350_scan). Records and reports are JSON text. */
import type { Kysely } from 'kysely';
import type { AdvisoryRow, OsvRecord, ScanPolicy, ScanReport, ScanStore, Severity } from '../../features/scan/store.ts';

export interface ScanTables {
  scan_advisories: {
    id: string;
    ecosystem: string;
    ecosystem_base: string;
    name: string;
    modified: string;
    record: string;
  };
  scan_reports: { digest: string; status: string; report: string; updated_at: string };
  scan_policies: { project_id: number; prevent_vul: number; severity: string; auto_scan: number };
  scan_allowlists: { project_id: number; items: string; expires_at: number | null };
  /** The registry's manifests: `pulled_at` is written by the traffic recorder (migration 0011_pull_counts). */
  manifests: { repository: string; digest: string; pulled_at: string | null };
}

const BATCH = 200;

export class KyselyScanStore implements ScanStore {
  private constructor(private readonly db: Kysely<ScanTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyScanStore {
    return new KyselyScanStore(db as unknown as Kysely<ScanTables>);
  }

  async putAdvisories(rows: AdvisoryRow[]): Promise<number> {
    let changed = 0;
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH).map((r) => ({
        id: r.id,
        ecosystem: r.ecosystem,
        ecosystem_base: r.ecosystem.split(':')[0],
        name: r.name,
        modified: r.modified,
        record: JSON.stringify(r.record),
      }));
      await this.db
        .insertInto('scan_advisories')
        .values(batch)
        .onConflict((oc) =>
          oc.columns(['id', 'ecosystem', 'name']).doUpdateSet((eb) => ({
            modified: eb.ref('excluded.modified'),
            record: eb.ref('excluded.record'),
            ecosystem_base: eb.ref('excluded.ecosystem_base'),
          })),
        )
        .execute();
      changed += batch.length;
    }
    return changed;
  }

  async advisories(ecosystemBase: string, name: string): Promise<AdvisoryRow[]> {
    const rows = await this.db
      .selectFrom('scan_advisories')
      .selectAll()
      .where('ecosystem_base', '=', ecosystemBase)
      .where('name', '=', name)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      ecosystem: r.ecosystem,
      name: r.name,
      modified: r.modified,
      record: JSON.parse(r.record) as OsvRecord,
    }));
  }

  async databaseInfo() {
    const rows = await this.db
      .selectFrom('scan_advisories')
      .select((eb) => ['ecosystem_base', eb.fn.count<number>('id').as('n'), eb.fn.max('modified').as('latest')])
      .groupBy('ecosystem_base')
      .execute();
    const byEcosystem: Record<string, number> = {};
    let updatedAt: string | null = null;
    let records = 0;
    for (const r of rows) {
      byEcosystem[r.ecosystem_base] = Number(r.n);
      records += Number(r.n);
      if (r.latest && (!updatedAt || r.latest > updatedAt)) updatedAt = r.latest;
    }
    return { byEcosystem, records, updatedAt };
  }

  async saveReport(report: ScanReport): Promise<void> {
    const row = {
      digest: report.digest,
      status: report.status,
      report: JSON.stringify(report),
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('scan_reports')
      .values(row)
      .onConflict((oc) =>
        oc.column('digest').doUpdateSet({ status: row.status, report: row.report, updated_at: row.updated_at }),
      )
      .execute();
  }

  async report(digest: string): Promise<ScanReport | null> {
    const row = await this.db
      .selectFrom('scan_reports')
      .select('report')
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row ? (JSON.parse(row.report) as ScanReport) : null;
  }

  async reports(limit: number): Promise<ScanReport[]> {
    const rows = await this.db
      .selectFrom('scan_reports')
      .select('report')
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => JSON.parse(r.report) as ScanReport);
  }

  async policy(projectId: number): Promise<ScanPolicy> {
    const row = await this.db
      .selectFrom('scan_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return {
      preventVulnerable: row ? row.prevent_vul === 1 : false,
      severity: (row?.severity as Severity) ?? 'Low',
      autoScan: row ? row.auto_scan === 1 : false,
    };
  }

  async setPolicy(projectId: number, patch: Partial<ScanPolicy>): Promise<void> {
    const next = { ...(await this.policy(projectId)), ...patch };
    const row = {
      project_id: projectId,
      prevent_vul: next.preventVulnerable ? 1 : 0,
      severity: next.severity,
      auto_scan: next.autoScan ? 1 : 0,
    };
    await this.db
      .insertInto('scan_policies')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('project_id')
          .doUpdateSet({ prevent_vul: row.prevent_vul, severity: row.severity, auto_scan: row.auto_scan }),
      )
      .execute();
  }

  async allowlist(projectId: number) {
    const row = await this.db
      .selectFrom('scan_allowlists')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return { items: row ? (JSON.parse(row.items) as string[]) : [], expiresAt: row?.expires_at ?? null };
  }

  async setAllowlist(projectId: number, items: string[], expiresAt: number | null): Promise<void> {
    const row = { project_id: projectId, items: JSON.stringify(items), expires_at: expiresAt };
    await this.db
      .insertInto('scan_allowlists')
      .values(row)
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ items: row.items, expires_at: row.expires_at }))
      .execute();
  }

  async pulledSince(day: string, limit: number): Promise<{ repository: string; digest: string }[]> {
    return this.db
      .selectFrom('manifests')
      .select(['repository', 'digest'])
      .where('pulled_at', '>=', day)
      .orderBy('pulled_at', 'desc')
      .limit(limit)
      .execute();
  }
}
