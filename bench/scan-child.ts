/**
 * One scan of the bench image, alone in its process (spawned by bench/scan.ts):
 * the layers are read from files as a registry's storage would stream them.
 * Prints JSON: wall and CPU time of the scan, and the process's peak RSS
 * (the kernel's high-water mark, not a sample) before the scan (Node, tsx and
 * the scanner's code loaded) and after it. On Linux that is VmHWM from
 * /proc/self/status: getrusage's maxRSS survives execve, so a child spawned by
 * a big parent would report the parent's peak.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../src/features/scan/sbom.ts';
import { match } from './scan-match.ts';

/** Peak RSS of this process in KiB. */
function peakKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: getrusage's figure
  }
  return process.resourceUsage().maxRSS;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.tar.gz'))
    .sort();
  const before = process.resourceUsage();
  const baseKiB = peakKiB();
  const t0 = performance.now();
  const content = await readImage(
    names.map((n) => ({ digest: n, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
    async (d) => createReadStream(join(dir, d)),
    null,
    null,
  );
  const ms = performance.now() - t0;
  const after = process.resourceUsage();
  const scanPeakKiB = peakKiB();
  const matched = await match(content.packages);
  process.stdout.write(
    `${JSON.stringify({
      ms,
      cpuMs: (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000,
      baseKiB,
      peakKiB: scanPeakKiB,
      packages: content.packages.length,
      matchMs: matched.ms,
      findings: matched.count,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
