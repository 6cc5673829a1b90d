/**
 * The scanning feature from its ports: the service, its pull gate on the
 * registry, and scans on push when a project asks for them (Harbor's
 * `auto_scan`) or the server is configured to scan every push.
 */
import { projectOf } from '../../core/names.ts';
import type { Registry } from '../../core/registry.ts';
import { ScanMetrics } from './metrics.ts';
import { Rescanner } from './rescan.ts';
import type { RpmReader } from './sbom.ts';
import type { ScannerRegistry } from './scanners.ts';
import { ScanService } from './service.ts';
import type { ScanReport, ScanStore } from './store.ts';

export interface ScanFeatureOptions {
  registry: Registry;
  store: ScanStore;
  readRpm?: RpmReader;
  projectId(name: string): Promise<number | null>;
  /** Scan every pushed image, whatever the project says. */
  scanOnPush?: boolean;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Images pulled within this many days are rescanned when a newer database is imported (0: never; default 7). */
  rescanDays?: number;
  /** Scan counts and durations (served at /metrics). */
  metrics?: ScanMetrics;
  /** Stores pulls counted but not yet written (before picking recently pulled images to rescan). */
  flushPulls?(): Promise<void>;
  /** External scanners (Harbor's pluggable scanner API); absent: the built-in scanner only. */
  scanners?: ScannerRegistry;
}

export interface ScanFeature {
  service: ScanService;
  rescans: Rescanner;
  metrics: ScanMetrics;
  /** Tells `listener` of every finished scan (the SCANNING_COMPLETED / SCANNING_FAILED webhooks). */
  onScanned(listener: (report: ScanReport, repository: string) => void): void;
  close(): void;
}

export function createScan(options: ScanFeatureOptions): ScanFeature {
  const { registry, log } = options;
  const metrics = options.metrics ?? new ScanMetrics();
  let rescans: Rescanner | null = null;
  const scannedListeners: ((report: ScanReport, repository: string) => void)[] = [];
  const scan = new ScanService({
    store: options.store,
    registry,
    readRpm: options.readRpm,
    projectId: options.projectId,
    scanners: options.scanners,
    onError: (err, digest) => log?.warn({ err, digest }, 'scan failed'),
    onNewerDatabase: (updatedAt) =>
      void rescans
        ?.databaseUpdated()
        .then((n) => n > 0 && log?.info({ updatedAt, images: n }, 'rescanning recently pulled images'))
        .catch((err) => log?.warn({ err }, 'could not queue rescans')),
    onScanned: (report, repository) => {
      if (report.endedAt)
        metrics.record(report.status, (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000);
      log?.info(
        { repository, digest: report.digest, status: report.status, findings: report.findings.length },
        'scan finished',
      );
      for (const listener of scannedListeners) listener(report, repository);
    },
  });
  rescans = new Rescanner({
    scan,
    days: options.rescanDays ?? 7,
    flushPulls: options.flushPulls,
    onQueued: (n) => {
      metrics.rescansQueued += n;
    },
    onError: (err, digest) => log?.warn({ err, digest }, 'rescan failed'),
  });
  const rescanner = rescans;
  registry.hooks.addGuard(scan.guard());
  registry.hooks.on(
    async (event) => {
      if (event.type !== 'manifest.pushed' || event.subject !== null) return;
      let wanted = options.scanOnPush === true;
      if (!wanted) {
        const id = await options.projectId(projectOf(event.repository));
        wanted = id !== null && (await options.store.policy(id)).autoScan;
      }
      if (wanted) void scan.scan(event.repository, event.digest).catch(() => {});
    },
    ['manifest.pushed'],
  );
  return {
    service: scan,
    rescans: rescanner,
    metrics,
    onScanned: (listener) => void scannedListeners.push(listener),
    close: () => rescanner.close(),
  };
}
