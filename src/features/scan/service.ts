/**
 * Scanning: the offline vulnerability database (OSV imports), scans of
 * images (their SBOM matched against it), reports, and the pull gate of
 * Harbor's `prevent_vul` / `severity` with system and project allowlists.
 */
import { unzipSync } from 'fflate';
import { blobKey } from '../../core/digest.ts';
import { RegistryError } from '../../core/errors.ts';
import type { PullCheck, RegistryGuard } from '../../core/hooks.ts';
import { projectOf } from '../../core/names.ts';
import type { Registry } from '../../core/registry.ts';
import { attachSbom, cyclonedx } from './cyclonedx.ts';
import { deriveLabels } from './labels.ts';
import { affects, type OsvRecord, osvProblem, SEVERITY_ORDER, type Severity, severityOf } from './osv.ts';
import type { Package } from './packages.ts';
import { type ImageContent, type RpmReader, readImage } from './sbom.ts';
import type { ExternalScan, ScannerRegistry } from './scanners.ts';
import type { AdvisoryRow, Finding, ScanPolicy, ScanReport, ScanStore } from './store.ts';

/** Bad input to an import (the HTTP edge answers 400 with it). */
export class ScanInputError extends Error {}

export interface ImportResult {
  imported: number;
  skipped: number;
  problems: string[];
  by_ecosystem: Record<string, number>;
  updated_at: string | null;
}

export interface ScanServiceOptions {
  store: ScanStore;
  registry: Registry;
  readRpm?: RpmReader;
  /** Project id of a project name (the gate's policy and allowlist are per project). */
  projectId(name: string): Promise<number | null>;
  onError?(err: unknown, digest: string): void;
  /** Told after each scan (webhooks: SCANNING_COMPLETED / SCANNING_FAILED; metrics). */
  onScanned?(report: ScanReport, repository: string): void;
  /** Told when an import moved the database's time forward (rescans of recently pulled images). */
  onNewerDatabase?(updatedAt: string): void;
  /** Store the SBOM as a CycloneDX referrer of the image (default true). */
  attachSbom?: boolean;
  /** External scanners (Harbor's pluggable scanner API); absent: the built-in scanner only. */
  scanners?: ScannerRegistry;
}

const bySeverity = (a: Finding, b: Finding) =>
  SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity) || a.id.localeCompare(b.id);

/** Packages an adapter's SBOM lists (CycloneDX components, SPDX packages): the report's package count. */
function sbomPackageCount(content: Buffer): number {
  const doc = JSON.parse(content.toString('utf8')) as { components?: unknown; packages?: unknown };
  const list = Array.isArray(doc.components) ? doc.components : Array.isArray(doc.packages) ? doc.packages : [];
  return list.length;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The reason a stopped scan's signal carries (`POST …/scan/stop`). */
export class ScanStopped extends Error {
  constructor() {
    super('the scan was stopped');
  }
}

export class ScanService {
  private readonly running = new Map<string, { job: Promise<ScanReport>; stop: AbortController }>();
  /** Gate verdicts by digest and project, dropped when a scan ends or the database or a policy changes. */
  private readonly verdicts = new Map<string, string | null>();

  constructor(private readonly options: ScanServiceOptions) {}

  get store(): ScanStore {
    return this.options.store;
  }

  get scanners(): ScannerRegistry | undefined {
    return this.options.scanners;
  }

  // ------------------------------------------------------------ database

  async importRecords(values: unknown[]): Promise<ImportResult> {
    const rows: AdvisoryRow[] = [];
    const problems: string[] = [];
    let imported = 0;
    for (const value of values) {
      const problem = osvProblem(value);
      if (problem) {
        if (problems.length < 20) problems.push(problem);
        continue;
      }
      const record = value as OsvRecord;
      imported++;
      for (const a of record.affected ?? [])
        rows.push({
          ecosystem: a.package.ecosystem,
          name: a.package.name,
          id: record.id,
          modified: record.modified,
          record,
        });
    }
    const before = (await this.options.store.databaseInfo()).updatedAt;
    await this.options.store.putAdvisories(rows);
    this.verdicts.clear();
    const info = await this.options.store.databaseInfo();
    if (info.updatedAt && (before === null || info.updatedAt > before)) this.options.onNewerDatabase?.(info.updatedAt);
    return {
      imported,
      skipped: values.length - imported,
      problems,
      by_ecosystem: info.byEcosystem,
      updated_at: info.updatedAt,
    };
  }

  /** A zip of OSV JSON files (as osv.dev publishes per ecosystem), each a record or a list of them. */
  async importZip(zip: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<ImportResult> {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(zip, { filter: (f) => f.name.endsWith('.json') && f.originalSize < 16 << 20 });
    } catch (err) {
      throw new ScanInputError(`not a readable zip file: ${(err as Error).message}`);
    }
    const values: unknown[] = [];
    let unreadable = 0;
    const names = Object.keys(files);
    names.forEach((name, i) => {
      try {
        const parsed = JSON.parse(Buffer.from(files[name]).toString('utf8'));
        values.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      } catch {
        unreadable++;
      }
      onProgress?.(i + 1, names.length);
    });
    const result = await this.importRecords(values);
    return { ...result, skipped: result.skipped + unreadable };
  }

  // ------------------------------------------------------------ scans

  /** Starts a scan (or joins the one running) of a manifest; resolves with its report. */
  scan(repository: string, digest: string): Promise<ScanReport> {
    const key = `${repository}@${digest}`;
    let running = this.running.get(key);
    if (!running) {
      const stop = new AbortController();
      const job = this.run(repository, digest, stop.signal).finally(() => this.running.delete(key));
      running = { job, stop };
      this.running.set(key, running);
    }
    return running.job;
  }

  isRunning(repository: string, digest: string): boolean {
    return this.running.has(`${repository}@${digest}`);
  }

  /**
   * Stops a scan running in this process: an adapter's scan stops waiting at
   * once (its polling and any request in flight are aborted), the built-in
   * scanner at its next step; the report says Stopped. False when none runs here.
   */
  stop(repository: string, digest: string): boolean {
    const running = this.running.get(`${repository}@${digest}`);
    if (!running) return false;
    running.stop.abort(new ScanStopped());
    return true;
  }

  private async run(repository: string, digest: string, signal: AbortSignal): Promise<ScanReport> {
    const startedAt = new Date().toISOString();
    const base: ScanReport = {
      digest,
      status: 'Running',
      startedAt,
      endedAt: null,
      error: null,
      findings: [],
      packages: 0,
      labels: [],
      dbUpdatedAt: null,
    };
    await this.options.store.saveReport(base);
    let report: ScanReport;
    try {
      const external = await this.options.scanners?.externalFor(repository);
      signal.throwIfAborted();
      if (external) report = await this.runExternal(external, repository, base, signal);
      else report = await this.runBuiltIn(repository, base, signal);
      // A stop that came while the last step finished still wins: the user asked for it.
      signal.throwIfAborted();
    } catch (err) {
      if (signal.aborted) report = { ...base, status: 'Stopped', endedAt: new Date().toISOString() };
      else {
        this.options.onError?.(err, digest);
        report = { ...base, status: 'Error', endedAt: new Date().toISOString(), error: (err as Error).message };
      }
    }
    await this.options.store.saveReport(report);
    this.forget(digest);
    this.options.onScanned?.(report, repository);
    return report;
  }

  private async runBuiltIn(repository: string, base: ScanReport, signal: AbortSignal): Promise<ScanReport> {
    const { digest } = base;
    const contents = await this.contents(digest);
    signal.throwIfAborted();
    const packages = contents.flatMap((c) => c.packages);
    const findings = await this.match(packages);
    signal.throwIfAborted();
    await this.storeSbom(repository, digest, packages, contents[0]?.os?.prettyName ?? null);
    const info = await this.options.store.databaseInfo();
    return {
      ...base,
      status: 'Success',
      endedAt: new Date().toISOString(),
      findings,
      packages: packages.length,
      labels: [...new Set(contents.flatMap((c) => deriveLabels(c)))],
      dbUpdatedAt: info.updatedAt,
    };
  }

  /**
   * A scan by an external adapter: its findings feed the same report (overview, dashboard, gate);
   * its SBOM, when it makes one, is stored as the image's referrer as the built-in scanner's is;
   * the derived labels still come from Berth's own reading of the content, when it can read it.
   */
  private async runExternal(
    external: ExternalScan,
    repository: string,
    base: ScanReport,
    signal: AbortSignal,
  ): Promise<ScanReport> {
    const record = await this.options.registry.manifestRecord(repository, base.digest);
    const result = await external.run({ repository, digest: base.digest, tag: '', mimeType: record.mediaType }, signal);
    signal.throwIfAborted();
    const { findings } = result;
    if (result.sbomError)
      this.options.onError?.(new Error(`no SBOM from ${external.scanner.name}: ${result.sbomError}`), base.digest);
    let packages = 0;
    if (result.sbom && this.options.attachSbom !== false) {
      await attachSbom(
        this.options.registry,
        repository,
        { digest: base.digest, mediaType: record.mediaType, size: record.size },
        result.sbom.content,
        { mediaType: result.sbom.mediaType, generator: `${external.scanner.name} ${external.scanner.version}`.trim() },
      );
      packages = sbomPackageCount(result.sbom.content);
    }
    let labels: string[] = [];
    try {
      labels = [...new Set((await this.contents(base.digest)).flatMap((c) => deriveLabels(c)))];
    } catch {
      // Content Berth cannot read is the adapter's business; the labels stay empty.
    }
    return {
      ...base,
      status: 'Success',
      endedAt: new Date().toISOString(),
      findings: findings.sort(bySeverity),
      packages,
      labels,
      dbUpdatedAt: null,
      scanner: external.scanner,
    };
  }

  /** The SBOM as a CycloneDX referrer of the image (replaced on each scan is not needed: same content, same digest). */
  private async storeSbom(repository: string, digest: string, packages: Package[], os: string | null): Promise<void> {
    if (this.options.attachSbom === false) return;
    const record = await this.options.registry.manifestRecord(repository, digest);
    const sbom = await cyclonedx({ repository, digest }, packages, os);
    await attachSbom(
      this.options.registry,
      repository,
      { digest, mediaType: record.mediaType, size: record.size },
      sbom,
    );
  }

  /** The content of a manifest, or of each child of an index. */
  private async contents(digest: string): Promise<ImageContent[]> {
    const { registry } = this.options;
    const manifest = JSON.parse((await registry.manifestContent(digest)).toString('utf8')) as {
      mediaType?: string;
      manifests?: { digest: string; platform?: { os?: string } }[];
      config?: { digest: string };
      layers?: { digest: string; mediaType: string }[];
    };
    if (manifest.manifests && (INDEX_TYPES.has(manifest.mediaType ?? '') || !manifest.layers)) {
      const out: ImageContent[] = [];
      for (const child of manifest.manifests.slice(0, 16)) {
        if (child.platform?.os === 'unknown') continue; // attestations
        out.push(...(await this.contents(child.digest)));
      }
      return out;
    }
    let config: Parameters<typeof readImage>[2] = null;
    if (manifest.config) {
      try {
        const bytes = await registry.manifestContent(manifest.config.digest).catch(async () => {
          const r = await registry.storage.get(blobKey(manifest.config?.digest ?? ''));
          if (!r) throw new Error('config missing');
          return r;
        });
        config = JSON.parse(bytes.toString('utf8'));
      } catch {
        config = null;
      }
    }
    return [
      await readImage(
        manifest.layers ?? [],
        (d) => registry.storage.reader(blobKey(d)),
        config,
        this.options.readRpm ?? null,
      ),
    ];
  }

  async match(packages: Package[]): Promise<Finding[]> {
    const out = new Map<string, Finding>();
    const byKey = new Map<string, AdvisoryRow[]>();
    for (const p of packages) {
      const base = p.ecosystem.split(':')[0];
      const names = p.source && p.source !== p.name ? [p.name, p.source] : [p.name];
      for (const name of names) {
        const key = `${base}\0${name}`;
        let rows = byKey.get(key);
        if (!rows) {
          rows = await this.options.store.advisories(base, name);
          byKey.set(key, rows);
        }
        for (const row of rows) {
          if (row.record.withdrawn) continue;
          if (row.ecosystem !== base && row.ecosystem !== p.ecosystem && !p.ecosystem.startsWith(`${row.ecosystem}:`))
            continue;
          for (const a of row.record.affected ?? []) {
            if (a.package.name !== name || a.package.ecosystem !== row.ecosystem) continue;
            const hit = affects(a, p.version);
            if (!hit.hit) continue;
            const id = `${row.id}\0${p.name}\0${p.version}`;
            if (out.has(id)) continue;
            out.set(id, {
              id: row.id,
              package: p.name,
              version: p.version,
              fix_version: hit.fixed ?? '',
              severity: severityOf(row.record, a),
              description: row.record.summary ?? row.record.details?.slice(0, 500) ?? '',
              links: (row.record.references ?? []).map((r) => r.url).slice(0, 10),
              ecosystem: p.ecosystem,
              path: p.path,
              aliases: row.record.aliases ?? [],
            });
          }
        }
      }
    }
    return [...out.values()].sort(bySeverity);
  }

  // ------------------------------------------------------------ gate

  forget(digest?: string): void {
    if (!digest) this.verdicts.clear();
    else for (const k of [...this.verdicts.keys()]) if (k.endsWith(digest)) this.verdicts.delete(k);
  }

  /** Why a pull of `digest` in `project` is refused; null when it may be pulled. */
  async refusal(project: string, digest: string): Promise<string | null> {
    const key = `${project}\0${digest}`;
    const known = this.verdicts.get(key);
    if (known !== undefined) return known;
    const projectId = await this.options.projectId(project);
    let verdict: string | null = null;
    if (projectId !== null) {
      const policy = await this.options.store.policy(projectId);
      const report = policy.preventVulnerable ? await this.options.store.report(digest) : null;
      if (report && report.status === 'Success') {
        const allowed = new Set([...(await this.allowed(0)), ...(await this.allowed(projectId))]);
        const threshold = SEVERITY_ORDER.indexOf(policy.severity);
        const blocking = report.findings.filter(
          (f) =>
            SEVERITY_ORDER.indexOf(f.severity) >= threshold &&
            !allowed.has(f.id) &&
            !f.aliases.some((a) => allowed.has(a)),
        );
        if (blocking.length > 0) {
          const worst = blocking[0];
          verdict = `${blocking.length} vulnerabilit${blocking.length === 1 ? 'y' : 'ies'} at or above ${policy.severity.toLowerCase()} (worst: ${worst.id}, ${worst.severity.toLowerCase()}, in ${worst.package} ${worst.version}): the project prevents pulling vulnerable images`;
        }
      }
    }
    if (this.verdicts.size > 10_000) this.verdicts.clear();
    this.verdicts.set(key, verdict);
    return verdict;
  }

  private async allowed(projectId: number): Promise<string[]> {
    const list = await this.options.store.allowlist(projectId);
    if (list.expiresAt !== null && list.expiresAt * 1000 < Date.now()) return [];
    return list.items;
  }

  /** The pull gate as a core guard: 412 with the reason, for client pulls only. */
  guard(): RegistryGuard {
    return {
      name: 'vulnerability',
      beforeManifestPull: (check: PullCheck) => {
        if (check.caller.inspection) return;
        const refuse = (reason: string | null) => {
          if (reason) throw new RegistryError('PRECONDITION_FAILED', reason, { digest: check.record.digest });
        };
        const project = projectOf(check.repository);
        // A verdict already known answers at once: every manifest GET runs this.
        const known = this.verdicts.get(`${project}\0${check.record.digest}`);
        if (known !== undefined) return refuse(known);
        return this.refusal(project, check.record.digest).then(refuse);
      },
    };
  }

  policyChanged(): void {
    this.verdicts.clear();
  }

  /** Changes a project's scan policy (prevent_vul, severity, auto_scan); pull verdicts are recomputed. */
  async setPolicy(projectId: number, patch: Partial<ScanPolicy>): Promise<void> {
    await this.store.setPolicy(projectId, patch);
    this.policyChanged();
  }

  /** Sets the CVE allowlist of a project (0: the system's); pull verdicts are recomputed. */
  async setAllowlist(projectId: number, items: string[], expiresAt: number | null): Promise<void> {
    await this.store.setAllowlist(projectId, items, expiresAt);
    this.policyChanged();
  }

  static severityAtLeast(a: Severity, b: Severity): boolean {
    return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b);
  }
}
