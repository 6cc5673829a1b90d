/**
 * Labels derived from what is inside an image ("smart tags"): what it runs
 * on, what runs in it, and two facts that matter to operators. Each is
 * `key:value` and marked as derived where shown.
 */
import type { ImageContent } from './sbom.ts';

const RUNTIMES: [RegExp, string][] = [
  [/^python3?(\.\d+)?$/, 'python'],
  [/^(nodejs|node)$/, 'node'],
  [/^openjdk-\d+-j(re|dk)(-headless)?$|^java-\d+-openjdk/, 'java'],
  [/^ruby\d*(\.\d+)?$/, 'ruby'],
  [/^php\d*(\.\d+)?$/, 'php'],
  [/^golang(-\d+\.\d+)?$/, 'go'],
];

export function deriveLabels(c: ImageContent): string[] {
  const out: string[] = [];
  if (c.os?.id) out.push(`os:${c.os.id}${c.os.versionId ? `-${c.os.versionId}` : ''}`);
  if (c.architecture) out.push(`arch:${c.architecture}`);
  const runtimes = new Map<string, string>();
  for (const p of c.packages) {
    for (const [re, name] of RUNTIMES) {
      if (re.test(p.name) && !runtimes.has(name)) runtimes.set(name, p.version.replace(/^\d+:/, '').split(/[-+~]/)[0]);
    }
    if (p.ecosystem === 'Go' && p.name === 'stdlib' && !runtimes.has('go')) runtimes.set('go', p.version);
    if (p.ecosystem === 'PyPI' && !runtimes.has('python')) runtimes.set('python', '');
    if (p.ecosystem === 'npm' && !runtimes.has('node')) runtimes.set('node', '');
    if (p.ecosystem === 'Maven' && !runtimes.has('java')) runtimes.set('java', '');
  }
  for (const [name, version] of runtimes) out.push(version ? `runtime:${name}-${version}` : `runtime:${name}`);
  if (c.hasShell) out.push('has-shell');
  if (c.runsAsRoot) out.push('runs-as-root');
  if (c.packages.length > 0) out.push('sbom');
  return out;
}
