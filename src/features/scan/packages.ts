/**
 * Package databases found in an image, each parsed into the packages it
 * lists, named by OSV ecosystem so findings match OSV records directly.
 */
import { unzipSync } from 'fflate';

export interface Package {
  /** OSV ecosystem: Debian, Ubuntu, Alpine, Red Hat, npm, PyPI, Go, Maven. */
  ecosystem: string;
  name: string;
  version: string;
  /** Where it was found in the image. */
  path: string;
  /** The source package (dpkg): OSV Debian records name source packages. */
  source?: string;
}

/** `/etc/os-release` → { id, versionId }. */
export function parseOsRelease(text: string): { id: string; versionId: string; prettyName: string } {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) values[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return { id: values.ID ?? '', versionId: values.VERSION_ID ?? '', prettyName: values.PRETTY_NAME ?? '' };
}

/** Paragraphs of `Key: value` lines (dpkg status, apk installed uses single letters). */
function paragraphs(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields[last] += `\n${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      fields[last] = line.slice(colon + 1).trim();
    }
    if (Object.keys(fields).length) out.push(fields);
  }
  return out;
}

export function parseDpkgStatus(text: string, path: string, ecosystem: string): Package[] {
  const out: Package[] = [];
  for (const p of paragraphs(text)) {
    if (!p.Package || !p.Version) continue;
    // Only installed packages (status.d files have no Status field).
    if (p.Status && !/\binstalled$/.test(p.Status)) continue;
    const source = p.Source ? p.Source.split(' ')[0] : p.Package;
    out.push({ ecosystem, name: p.Package, version: p.Version, path, source });
  }
  return out;
}

export function parseApkInstalled(text: string, path: string, ecosystem: string): Package[] {
  const out: Package[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    let name = '';
    let version = '';
    let origin = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('P:')) name = line.slice(2);
      else if (line.startsWith('V:')) version = line.slice(2);
      else if (line.startsWith('o:')) origin = line.slice(2);
    }
    if (name && version) out.push({ ecosystem, name, version, path, source: origin || name });
  }
  return out;
}

/** `*.dist-info/METADATA` or `PKG-INFO`. */
export function parsePythonMetadata(text: string, path: string): Package | null {
  const name = /^Name:\s*(.+)$/m.exec(text)?.[1]?.trim();
  const version = /^Version:\s*(.+)$/m.exec(text)?.[1]?.trim();
  return name && version ? { ecosystem: 'PyPI', name, version, path } : null;
}

export function parseNodePackage(text: string, path: string): Package | null {
  try {
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') return null;
    return { ecosystem: 'npm', name: pkg.name, version: pkg.version, path };
  } catch {
    return null;
  }
}

const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

function uvarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    value += (buf[i] & 0x7f) * 2 ** shift;
    if ((buf[i] & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  return [-1, at];
}

/**
 * The modules a Go binary was built from (Go ≥ 1.18 inline build info): the
 * toolchain as `stdlib` and each `dep` line of the module info.
 */
export function parseGoBinary(bin: Buffer, path: string): Package[] {
  const at = bin.indexOf(GO_MAGIC);
  if (at < 0 || at + 32 > bin.length) return [];
  const flags = bin[at + 15];
  if ((flags & 0x2) === 0) return []; // pre-1.18 pointer format: not read
  let [len, next] = uvarint(bin, at + 32);
  if (len < 0 || next + len > bin.length) return [];
  const goVersion = bin.subarray(next, next + len).toString('utf8');
  [len, next] = uvarint(bin, next + len);
  if (len < 0 || next + len > bin.length) return [];
  const modinfo = bin.subarray(next, next + len).toString('utf8');
  const out: Package[] = [];
  if (goVersion.startsWith('go')) out.push({ ecosystem: 'Go', name: 'stdlib', version: goVersion.slice(2), path });
  for (const line of modinfo.split('\n')) {
    const parts = line.split('\t');
    if ((parts[0] === 'dep' || parts[0] === 'mod') && parts[1] && parts[2] && parts[2] !== '(devel)')
      out.push({ ecosystem: 'Go', name: parts[1], version: parts[2].replace(/^v/, ''), path });
  }
  return out;
}

/** A jar's Maven coordinates: pom.properties first, else the manifest's Implementation-* fields. */
export function parseJar(jar: Buffer, path: string): Package[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(jar), {
      filter: (f) =>
        f.originalSize < 1 << 20 &&
        (f.name === 'META-INF/MANIFEST.MF' ||
          (f.name.startsWith('META-INF/maven/') && f.name.endsWith('pom.properties'))),
    });
  } catch {
    return [];
  }
  const out: Package[] = [];
  for (const [name, data] of Object.entries(files)) {
    if (!name.endsWith('pom.properties')) continue;
    const text = Buffer.from(data).toString('utf8');
    const g = /^groupId=(.+)$/m.exec(text)?.[1]?.trim();
    const a = /^artifactId=(.+)$/m.exec(text)?.[1]?.trim();
    const v = /^version=(.+)$/m.exec(text)?.[1]?.trim();
    if (g && a && v) out.push({ ecosystem: 'Maven', name: `${g}:${a}`, version: v, path });
  }
  if (out.length === 0 && files['META-INF/MANIFEST.MF']) {
    const text = Buffer.from(files['META-INF/MANIFEST.MF']).toString('utf8');
    const title = /^Implementation-Title:\s*(.+)$/m.exec(text)?.[1]?.trim();
    const vendor = /^Implementation-Vendor-Id:\s*(.+)$/m.exec(text)?.[1]?.trim();
    const version = /^Implementation-Version:\s*(.+)$/m.exec(text)?.[1]?.trim();
    if (title && version) out.push({ ecosystem: 'Maven', name: vendor ? `${vendor}:${title}` : title, version, path });
  }
  return out;
}
