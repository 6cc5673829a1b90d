/** Matching packages against an in-memory OSV database of 5,000 records (the store is in-memory here). */
import type { OsvRecord } from '../src/features/scan/osv.ts';
import type { Package } from '../src/features/scan/packages.ts';
import { ScanService } from '../src/features/scan/service.ts';
import type { AdvisoryRow, ScanStore } from '../src/features/scan/store.ts';

export async function match(packages: Package[]): Promise<{ ms: number; count: number }> {
  const rows = new Map<string, AdvisoryRow[]>();
  for (let i = 0; i < 5000; i++) {
    const name = `pkg${i % 700}`;
    const record: OsvRecord = {
      id: `BENCH-${i}`,
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Debian:12', name },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${i % 500}-2` }] }],
        },
      ],
    };
    const key = `Debian\0${name}`;
    rows.set(key, [
      ...(rows.get(key) ?? []),
      { ecosystem: 'Debian:12', name, id: record.id, modified: record.modified, record },
    ]);
  }
  const store = {
    advisories: async (base: string, name: string) => rows.get(`${base}\0${name}`) ?? [],
  } as unknown as ScanStore;
  const scan = new ScanService({ store, registry: null as never, projectId: async () => null });
  const t0 = performance.now();
  const found = await scan.match(packages.map((p) => ({ ...p, ecosystem: 'Debian:12' })));
  return { ms: performance.now() - t0, count: found.length };
}
