/**
 * The scanning feature from its ports: the service, its pull gate on the
 * registry, and scans on push when a project asks for them (Harbor's
 * `auto_scan`) or the server is configured to scan every push.
 */
import { projectOf } from '../../core/names.ts';
import type { Registry } from '../../core/registry.ts';
import type { RpmReader } from './sbom.ts';
import { ScanService } from './service.ts';
import type { ScanStore } from './store.ts';

export interface ScanFeatureOptions {
  registry: Registry;
  store: ScanStore;
  readRpm?: RpmReader;
  projectId(name: string): Promise<number | null>;
  /** Scan every pushed image, whatever the project says. */
  scanOnPush?: boolean;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export function createScan(options: ScanFeatureOptions): ScanService {
  const { registry, log } = options;
  const scan = new ScanService({
    store: options.store,
    registry,
    readRpm: options.readRpm,
    projectId: options.projectId,
    onError: (err, digest) => log?.warn({ err, digest }, 'scan failed'),
    onScanned: (report, repository) =>
      log?.info(
        { repository, digest: report.digest, status: report.status, findings: report.findings.length },
        'scan finished',
      ),
  });
  registry.hooks.addGuard(scan.guard());
  registry.hooks.on(async (event) => {
    if (event.type !== 'manifest.pushed' || event.subject !== null) return;
    let wanted = options.scanOnPush === true;
    if (!wanted) {
      const id = await options.projectId(projectOf(event.repository));
      wanted = id !== null && (await options.store.policy(id)).autoScan;
    }
    if (wanted) void scan.scan(event.repository, event.digest).catch(() => {});
  });
  return scan;
}
