/**
 * `berth scan <repository>:<tag>` (or `@digest`): scans an image of a data folder against the
 * imported database and prints its findings; exits 3 when any is at or above `--fail-on`.
 */
import { Command } from 'commander';
import { KyselyScanStore } from '../adapters/metadata/scan-store.ts';
import { readRpmDb } from '../adapters/scan/rpmdb.ts';
import { SEVERITY_ORDER, type Severity } from '../features/scan/osv.ts';
import { ScanService } from '../features/scan/service.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { DATA } from './access-common.ts';

function splitReference(image: string): { repository: string; reference: string } {
  const at = image.indexOf('@');
  if (at > 0) return { repository: image.slice(0, at), reference: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { repository: image.slice(0, colon), reference: image.slice(colon + 1) };
  return { repository: image, reference: 'latest' };
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('scan an image of the data folder against the imported vulnerability database')
    .argument('<image>', 'repository:tag or repository@digest')
    .option(...DATA)
    .option('--output <format>', 'text or json', 'text')
    .option('--fail-on <severity>', 'exit 3 when a finding is at or above this severity (low, medium, high, critical)')
    .action(async (image: string, flags: { data?: string; output: string; failOn?: string }) => {
      const failOn = flags.failOn
        ? SEVERITY_ORDER.find((s) => s.toLowerCase() === flags.failOn?.toLowerCase())
        : undefined;
      if (flags.failOn && !failOn) throw new Error(`--fail-on must be one of low, medium, high, critical`);
      const registry = await openRegistry(loadConfig({ overrides: { data_dir: flags.data } }));
      const db = (registry.metadata as unknown as { db: import('kysely').Kysely<unknown> }).db;
      const scan = new ScanService({
        store: KyselyScanStore.over(db),
        registry,
        readRpm: readRpmDb,
        projectId: async () => null,
      });
      try {
        const { repository, reference } = splitReference(image);
        const record = await registry.manifestRecord(repository, reference);
        const report = await scan.scan(repository, record.digest);
        if (flags.output === 'json') console.log(JSON.stringify(report, null, 2));
        else {
          console.log(
            `${repository}@${record.digest}: ${report.status}, ${report.packages} packages, ${report.findings.length} findings`,
          );
          if (report.error) console.log(`  error: ${report.error}`);
          for (const f of report.findings)
            console.log(
              `  ${f.severity.padEnd(8)} ${f.id.padEnd(24)} ${f.package} ${f.version}${f.fix_version ? ` -> ${f.fix_version}` : ''}`,
            );
          if (report.labels.length > 0) console.log(`  labels: ${report.labels.join(', ')}`);
        }
        if (report.status === 'Error') process.exitCode = 1;
        else if (failOn && report.findings.some((f) => ScanService.severityAtLeast(f.severity as Severity, failOn)))
          process.exitCode = 3;
      } finally {
        await registry.metadata.close();
      }
    });
}
