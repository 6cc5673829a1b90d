/**
 * Scanning in Harbor's shapes: scan an artifact (202), stop, its
 * vulnerabilities (`additions/vulnerabilities`), the vulnerability database
 * (Berth's `POST/GET /vuln-db`), the system CVE allowlist, and the security
 * summary. The artifact routes' `with_scan_overview=true` reads
 * `scanOverview()` below.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { SEVERITY_ORDER, type Severity } from '../../../features/scan/osv.ts';
import { ScanInputError, type ScanService } from '../../../features/scan/service.ts';
import type { ScanReport } from '../../../features/scan/store.ts';
import { ByContentType, Bytes, Empty, Named, NoBody, Nullable } from '../../shared/schemas.ts';
import { type CatalogOptions, decodeParam, type RepositoryParams, resolveRepository } from '../catalog-context.ts';
import { badRequest, notFound } from '../errors.ts';

export const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const SCANNER = { name: 'Berth', vendor: 'Berth', version: '1.0' };

export interface ScanApiOptions {
  scan: ScanService;
  catalog: CatalogOptions;
  /** Throws 401/403 unless the caller is a system administrator. */
  requireAdmin(request: FastifyRequest): Promise<void>;
  /** Project id by name (for allowlists); null when missing. */
  projectId(name: string): Promise<number | null>;
}

const Params = Type.Object({
  project_name_or_id: Type.String({ minLength: 1, maxLength: 255 }),
  repository_name: Type.String({ minLength: 1, maxLength: 1024 }),
  reference: Type.String({ minLength: 1, maxLength: 255 }),
});
const Osv = Type.Object({ format: Type.Literal('osv'), entries: Type.Array(Type.Unknown(), { maxItems: 200_000 }) });
const Allowlist = Type.Object({
  items: Type.Array(Type.Object({ cve_id: Type.String({ minLength: 1, maxLength: 200 }) }), { maxItems: 10_000 }),
  expires_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
});

const SEVERITY_NAMES = new Set<string>(SEVERITY_ORDER);

const ScannerInfo = Type.Object({ name: Type.String(), vendor: Type.String(), version: Type.String() });
/** Harbor's vulnerability report (`application/vnd.security.vulnerability.report; version=1.1`). */
const VulnerabilityReport = Named(
  'VulnerabilityReport',
  Type.Object({
    generated_at: Type.String(),
    artifact: Type.Object({ digest: Type.String() }),
    scanner: ScannerInfo,
    severity: Type.String(),
    scan_status: Type.String(),
    error: Type.Optional(Type.String()),
    labels: Type.Array(Type.String(), { description: "Berth's: labels derived from the content" }),
    vulnerabilities: Type.Array(
      Type.Object({
        id: Type.String(),
        package: Type.String(),
        version: Type.String(),
        fix_version: Type.String(),
        severity: Type.String(),
        description: Type.String(),
        links: Type.Array(Type.String()),
        artifact_digests: Type.Array(Type.String()),
        preferred_cvss: Type.Null(),
        cwe_ids: Type.Array(Type.String()),
        vendor_attributes: Type.Object({
          ecosystem: Type.String(),
          path: Type.String(),
          aliases: Type.Array(Type.String()),
        }),
      }),
    ),
  }),
);
const ImportResultView = Type.Object({
  imported: Type.Integer(),
  skipped: Type.Integer(),
  problems: Type.Array(Type.String()),
  by_ecosystem: Type.Record(Type.String(), Type.Integer()),
  updated_at: Nullable(Type.String()),
});
const CveAllowlist = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  expires_at: Nullable(Type.Integer()),
  items: Type.Array(Type.Object({ cve_id: Type.String() })),
});
const Counts = {
  critical_cnt: Type.Integer(),
  high_cnt: Type.Integer(),
  medium_cnt: Type.Integer(),
};
const SecuritySummary = Named(
  'SecuritySummary',
  Type.Object({
    ...Counts,
    low_cnt: Type.Integer(),
    none_cnt: Type.Integer(),
    unknown_cnt: Type.Integer(),
    total_vuls: Type.Integer(),
    fixable_cnt: Type.Integer(),
    scanned_cnt: Type.Integer(),
    dangerous_cves: Type.Optional(
      Type.Array(
        Type.Object({
          cve_id: Type.String(),
          severity: Type.String(),
          package: Type.String(),
          version: Type.String(),
          count: Type.Integer(),
        }),
      ),
    ),
    dangerous_artifacts: Type.Optional(Type.Array(Type.Object({ digest: Type.String(), ...Counts }))),
    trend: Type.Optional(
      Type.Array(
        Type.Object({
          day: Type.String(),
          scans: Type.Integer(),
          findings: Type.Integer(),
          critical: Type.Integer(),
          high: Type.Integer(),
        }),
        { description: "Berth's: findings per scan day (with_trend=true)" },
      ),
    ),
  }),
);
const VulnerabilityItem = Named(
  'VulnerabilityItem',
  Type.Object({
    digest: Type.String(),
    cve_id: Type.String(),
    package: Type.String(),
    version: Type.String(),
    fixed_version: Type.String(),
    severity: Type.String(),
    desc: Type.String(),
    links: Type.Array(Type.String()),
  }),
);

function summary(report: ScanReport) {
  const counts: Record<string, number> = {};
  for (const f of report.findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const worst = report.findings[0]?.severity ?? 'None';
  return {
    total: report.findings.length,
    fixable: report.findings.filter((f) => f.fix_version).length,
    summary: counts,
    severity: report.status === 'Success' ? worst : 'Unknown',
  };
}

/** Harbor's `scan_overview` of one artifact; null when never scanned. */
export async function scanOverview(scan: ScanService, digest: string) {
  const report = await scan.store.report(digest);
  if (!report) return null;
  const s = summary(report);
  return {
    [REPORT_MIME]: {
      report_id: digest,
      scan_status: report.status,
      severity: s.severity,
      duration: report.endedAt ? Math.round((Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000) : 0,
      summary: { total: s.total, fixable: s.fixable, summary: s.summary },
      start_time: report.startedAt,
      end_time: report.endedAt,
      scanner: report.scanner ?? SCANNER,
      complete_percent: report.status === 'Running' ? 50 : 100,
    },
  };
}

export async function scanRoutes(parent: FastifyInstance, options: ScanApiOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { scan, catalog } = options;
  // An osv.dev export as it is downloaded: POST /vuln-db with Content-Type application/zip.
  app.addContentTypeParser('application/zip', { parseAs: 'buffer', bodyLimit: 256 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  const artifact = async (
    request: FastifyRequest,
    params: { project_name_or_id: string; repository_name: string; reference: string },
    permission: 'pull' | 'push',
  ) => {
    const repository = await resolveRepository(catalog, request, params as RepositoryParams, permission);
    const record = await catalog.registry.manifestRecord(repository.name, decodeParam(params.reference));
    return { repository: repository.name, digest: record.digest };
  };

  const base = '/projects/:project_name_or_id/repositories/:repository_name/artifacts/:reference';

  app.post(`${base}/scan`, { schema: { params: Params, response: { 202: NoBody } } }, async (request, reply) => {
    // Scanning changes what the project knows of the artifact: developers and up (Harbor's rule).
    const { repository, digest } = await artifact(request, request.params, 'push');
    void scan.scan(repository, digest).catch(() => {});
    return reply.status(202).send();
  });

  app.post(`${base}/scan/stop`, { schema: { params: Params, response: { 202: NoBody } } }, async (request, reply) => {
    const { repository, digest } = await artifact(request, request.params, 'push');
    // Scans run in the process that started them: another node's scan is not found here.
    if (!scan.stop(repository, digest)) throw badRequest('no scan of this artifact is running');
    return reply.status(202).send();
  });

  app.get(
    `${base}/additions/vulnerabilities`,
    { schema: { params: Params, response: { 200: Type.Record(Type.String(), VulnerabilityReport) } } },
    async (request) => {
      const { digest } = await artifact(request, request.params, 'pull');
      const report = await scan.store.report(digest);
      if (!report) throw notFound('the artifact has not been scanned');
      return {
        [REPORT_MIME]: {
          generated_at: report.endedAt ?? report.startedAt,
          artifact: { digest },
          scanner: report.scanner ?? SCANNER,
          severity: summary(report).severity,
          scan_status: report.status,
          error: report.error ?? undefined,
          labels: report.labels,
          vulnerabilities: report.findings.map((f) => ({
            id: f.id,
            package: f.package,
            version: f.version,
            fix_version: f.fix_version,
            severity: f.severity,
            description: f.description,
            links: f.links,
            artifact_digests: [digest],
            preferred_cvss: null,
            cwe_ids: [],
            vendor_attributes: { ecosystem: f.ecosystem, path: f.path, aliases: f.aliases },
          })),
        },
      };
    },
  );

  app.get(
    `${base}/additions/labels-derived`,
    {
      schema: {
        params: Params,
        response: { 200: Type.Object({ labels: Type.Array(Type.String()), derived: Type.Boolean() }) },
      },
    },
    async (request) => {
      const { digest } = await artifact(request, request.params, 'pull');
      const report = await scan.store.report(digest);
      return { labels: report?.labels ?? [], derived: true };
    },
  );

  app.post(
    '/vuln-db',
    {
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        body: ByContentType({
          'application/json': Osv,
          'application/zip': Bytes('an osv.dev export as downloaded (all.zip of an ecosystem)'),
        }),
        response: { 201: ImportResultView },
      },
    },
    async (request, reply) => {
      await options.requireAdmin(request);
      const body = request.body;
      let result: Awaited<ReturnType<ScanService['importRecords']>>;
      try {
        result = Buffer.isBuffer(body)
          ? await scan.importZip(new Uint8Array(body))
          : await scan.importRecords(body.entries);
      } catch (err) {
        if (err instanceof ScanInputError) throw badRequest(err.message);
        throw err;
      }
      return reply.status(201).send(result);
    },
  );

  const DatabaseInfo = Type.Object({
    records: Type.Integer(),
    by_ecosystem: Type.Record(Type.String(), Type.Integer()),
    updated_at: Nullable(Type.String()),
  });
  app.get('/vuln-db', { schema: { response: { 200: DatabaseInfo } } }, async (request) => {
    await options.requireAdmin(request);
    const info = await scan.store.databaseInfo();
    return { records: info.records, by_ecosystem: info.byEcosystem, updated_at: info.updatedAt };
  });

  app.get('/system/CVEAllowlist', { schema: { response: { 200: CveAllowlist } } }, async () => {
    const list = await scan.store.allowlist(0);
    return { id: 0, project_id: 0, expires_at: list.expiresAt, items: list.items.map((cve_id) => ({ cve_id })) };
  });

  app.put('/system/CVEAllowlist', { schema: { body: Allowlist, response: { 200: Empty } } }, async (request) => {
    await options.requireAdmin(request);
    await scan.setAllowlist(
      0,
      request.body.items.map((i) => i.cve_id),
      request.body.expires_at ?? null,
    );
    return {};
  });

  app.get(
    '/security/summary',
    {
      schema: {
        querystring: Type.Object({
          with_dangerous_cve: Type.Optional(Type.Boolean()),
          with_dangerous_artifact: Type.Optional(Type.Boolean()),
          /** Berth's extension: findings of the latest reports by the day they were scanned. */
          with_trend: Type.Optional(Type.Boolean()),
        }),
        response: { 200: SecuritySummary },
      },
    },
    async (request) => {
      await options.requireAdmin(request);
      const reports = (await scan.store.reports(10_000)).filter((r) => r.status === 'Success');
      const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
      const cves = new Map<
        string,
        { cve_id: string; severity: Severity; package: string; version: string; count: number }
      >();
      let fixable = 0;
      let total = 0;
      for (const r of reports) {
        for (const f of r.findings) {
          counts[f.severity]++;
          total++;
          if (f.fix_version) fixable++;
          const c = cves.get(f.id) ?? {
            cve_id: f.id,
            severity: f.severity,
            package: f.package,
            version: f.version,
            count: 0,
          };
          c.count++;
          cves.set(f.id, c);
        }
      }
      const dangerous = [...cves.values()]
        .sort((a, b) => SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity) || b.count - a.count)
        .slice(0, 5);
      const artifacts = reports
        .map((r) => ({ digest: r.digest, ...summary(r) }))
        .sort((a, b) => b.total - a.total)
        .slice(0, 5);
      return {
        critical_cnt: counts.Critical,
        high_cnt: counts.High,
        medium_cnt: counts.Medium,
        low_cnt: counts.Low,
        none_cnt: counts.None,
        unknown_cnt: counts.Unknown,
        total_vuls: total,
        fixable_cnt: fixable,
        scanned_cnt: reports.length,
        ...(request.query.with_dangerous_cve ? { dangerous_cves: dangerous } : {}),
        ...(request.query.with_dangerous_artifact
          ? {
              dangerous_artifacts: artifacts.map((a) => ({
                digest: a.digest,
                critical_cnt: a.summary.Critical ?? 0,
                high_cnt: a.summary.High ?? 0,
                medium_cnt: a.summary.Medium ?? 0,
              })),
            }
          : {}),
        ...(request.query.with_trend ? { trend: trendOf(reports) } : {}),
      };
    },
  );

  app.get(
    '/security/vul',
    {
      schema: {
        querystring: Type.Object({
          severity: Type.Optional(Type.String()),
          package: Type.Optional(Type.String({ maxLength: 255 })),
          cve_id: Type.Optional(Type.String({ maxLength: 200 })),
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: Type.Array(VulnerabilityItem) },
      },
    },
    async (request, reply) => {
      await options.requireAdmin(request);
      const q = request.query;
      if (q.severity && !SEVERITY_NAMES.has(q.severity))
        throw badRequest(`severity: must be one of ${SEVERITY_ORDER.join(', ')}`);
      const reports = (await scan.store.reports(10_000)).filter((r) => r.status === 'Success');
      const rows = reports.flatMap((r) =>
        r.findings
          .filter(
            (f) =>
              (!q.severity || f.severity === q.severity) &&
              (!q.package || f.package.includes(q.package)) &&
              (!q.cve_id || f.id === q.cve_id),
          )
          .map((f) => ({
            digest: r.digest,
            cve_id: f.id,
            package: f.package,
            version: f.version,
            fixed_version: f.fix_version,
            severity: f.severity,
            desc: f.description,
            links: f.links,
          })),
      );
      rows.sort(
        (a, b) => SEVERITY_ORDER.indexOf(b.severity as Severity) - SEVERITY_ORDER.indexOf(a.severity as Severity),
      );
      const size = q.page_size ?? 10;
      const page = q.page ?? 1;
      reply.header('x-total-count', String(rows.length));
      return rows.slice((page - 1) * size, page * size);
    },
  );
}

/** Findings per scan day over the last 30 days with scans (each artifact counted by its latest report). */
function trendOf(reports: ScanReport[]) {
  const days = new Map<string, { day: string; scans: number; findings: number; critical: number; high: number }>();
  for (const r of reports) {
    const day = (r.endedAt ?? r.startedAt).slice(0, 10);
    const d = days.get(day) ?? { day, scans: 0, findings: 0, critical: 0, high: 0 };
    d.scans++;
    d.findings += r.findings.length;
    d.critical += r.findings.filter((f) => f.severity === 'Critical').length;
    d.high += r.findings.filter((f) => f.severity === 'High').length;
    days.set(day, d);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day)).slice(-30);
}
