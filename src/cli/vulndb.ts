/** `berth vulndb import <file>`: loads an OSV export (zip, folder or JSON) into a data folder's database. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { KyselyScanStore } from '../adapters/metadata/scan-store.ts';
import { ScanService } from '../features/scan/service.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { DATA } from './access-common.ts';

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

export function vulndbCommand(): Command {
  const cmd = new Command('vulndb').description('the offline vulnerability database (OSV format)');
  cmd
    .command('import <file>')
    .description('import an OSV export: a zip as osv.dev publishes it, a folder of JSON files, or one JSON file')
    .option(...DATA)
    .option('--output <format>', 'text or json', 'text')
    .action(async (file: string, flags: { data?: string; output: string }) => {
      const registry = await openRegistry(loadConfig({ overrides: { data_dir: flags.data } }));
      const db = (registry.metadata as unknown as { db: import('kysely').Kysely<unknown> }).db;
      const scan = new ScanService({ store: KyselyScanStore.over(db), registry, projectId: async () => null });
      const bar = new SingleBar({ format: 'importing {bar} {value}/{total} files', hideCursor: true });
      try {
        let result: Awaited<ReturnType<ScanService['importRecords']>>;
        if (statSync(file).isDirectory()) {
          const files = jsonFiles(file);
          bar.start(files.length, 0);
          const values: unknown[] = [];
          for (const f of files) {
            try {
              const parsed = JSON.parse(readFileSync(f, 'utf8'));
              values.push(...(Array.isArray(parsed) ? parsed : [parsed]));
            } catch {
              values.push(null); // counted as skipped
            }
            bar.increment();
          }
          bar.stop();
          result = await scan.importRecords(values);
        } else if (file.endsWith('.zip')) {
          let started = false;
          result = await scan.importZip(new Uint8Array(readFileSync(file)), (done, total) => {
            if (!started) {
              bar.start(total, 0);
              started = true;
            }
            bar.update(done);
          });
          if (started) bar.stop();
        } else {
          const parsed = JSON.parse(readFileSync(file, 'utf8'));
          result = await scan.importRecords(Array.isArray(parsed) ? parsed : (parsed.entries ?? [parsed]));
        }
        if (flags.output === 'json') console.log(JSON.stringify(result, null, 2));
        else {
          console.log(
            `imported ${result.imported} records, skipped ${result.skipped}; database time ${result.updated_at ?? '—'}`,
          );
          for (const [eco, n] of Object.entries(result.by_ecosystem)) console.log(`  ${eco.padEnd(16)} ${n}`);
          for (const p of result.problems) console.log(`  skipped: ${p}`);
        }
      } finally {
        await registry.metadata.close();
      }
    });
  return cmd;
}
