/**
 * The floors of src/ and the imports that point up (docs/architecture.md).
 * `node --import tsx scripts/upward-imports.ts` prints each one; the test
 * test/architecture.test.ts fails when there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What each floor may import (besides itself and packages). */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  adapters: ['core'],
  features: ['core'],
  http: ['core', 'features'],
  server: ['core', 'adapters', 'features', 'http'],
  cli: ['core', 'adapters', 'features', 'http', 'server'],
};

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

/**
 * A feature's ports, which adapters implement: its store (store.ts, ports.ts)
 * and, for kube, the cluster port (cluster.ts). The one way an adapter may
 * reach into features/.
 */
export const FEATURE_PORT = /^src\/features\/[^/]+\/(store|ports|cluster)\.ts$/;

/** `file -> import` for every relative import that leaves its floor for one it may not use. */
export function upwardImports(ROOT = HERE): string[] {
  const SRC = join(ROOT, 'src');
  const floorOf = (file: string) => relative(SRC, file).split('/')[0];
  const out: string[] = [];
  for (const file of sources(SRC)) {
    const floor = floorOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]);
      const to = target.startsWith(SRC) ? floorOf(target) : relative(ROOT, target).split('/')[0];
      if (to === floor) continue;
      if (floor === 'adapters' && FEATURE_PORT.test(relative(ROOT, target))) continue;
      if (!(MAY_IMPORT[floor] ?? []).includes(to)) out.push(`${relative(ROOT, file)} -> ${m[1]}`);
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // An optional argument: another checkout's root (scripts/arch-counts.sh REV unpacks one).
  const found = upwardImports(process.argv[2] ? resolve(process.argv[2]) : HERE);
  for (const line of found) console.log(line);
  console.log(`upward imports: ${found.length}`);
}
