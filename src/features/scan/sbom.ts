/**
 * What is inside an image: its layers read in order (gzip, zstd or plain
 * tar), whiteouts applied, package databases parsed, plus the facts labels
 * are derived from (OS, shell, user, runtimes). Untrusted input: every read
 * is bounded in bytes, entries and time, and a breach is a scan error.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import {
  type Package,
  parseApkInstalled,
  parseDpkgStatus,
  parseGoBinary,
  parseJar,
  parseNodePackage,
  parseOsRelease,
  parsePythonMetadata,
} from './packages.ts';
import { DEFAULT_TAR_LIMITS, ScanLimitError, type TarEntry, walkTar } from './tar.ts';

export interface ImageContent {
  os: { id: string; versionId: string; prettyName: string } | null;
  packages: Package[];
  hasShell: boolean;
  /** From the image config: empty, 0 or root. */
  runsAsRoot: boolean;
  architecture: string;
  files: number;
}

export interface SbomLimits {
  /** Uncompressed bytes read across all layers. */
  maxBytes: number;
  maxEntries: number;
  maxPackages: number;
  deadlineMs: number;
}

export const DEFAULT_SBOM_LIMITS: SbomLimits = {
  maxBytes: 16 * 2 ** 30,
  maxEntries: 2_000_000,
  maxPackages: 100_000,
  deadlineMs: 120_000,
};

/** Reads one layer's bytes (from storage). */
export type LayerSource = (digest: string) => Promise<Readable>;

export interface LayerRef {
  digest: string;
  mediaType: string;
}

export type RpmReader = (
  bytes: Buffer,
) => { name: string; version: string; release: string; epoch: number | null; sourceRpm: string }[];

function wanted(path: string, entry: TarEntry): boolean {
  if (
    path === 'etc/os-release' ||
    path === 'usr/lib/os-release' ||
    path === 'var/lib/dpkg/status' ||
    path.startsWith('var/lib/dpkg/status.d/') ||
    path === 'lib/apk/db/installed' ||
    path === 'var/lib/rpm/rpmdb.sqlite' ||
    path === 'usr/lib/sysimage/rpm/rpmdb.sqlite'
  )
    return true;
  if (/\.dist-info\/METADATA$|\.egg-info\/PKG-INFO$/.test(path)) return true;
  if (/(^|\/)node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(path)) return true;
  if (path.endsWith('.jar') && entry.size <= 64 << 20) return true;
  // Executables that may be Go programs: read, searched for build info, dropped.
  return (entry.mode & 0o111) !== 0 && entry.size >= 1 << 16 && entry.size <= 64 << 20 && !path.startsWith('usr/lib/');
}

const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Decompresses by magic bytes (media types lie): gzip, zstd or plain tar. */
async function* decompressed(source: Readable, budget: { bytes: number }): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value as Buffer;
  const rest = Readable.from(
    (async function* () {
      yield head;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value as Buffer;
      }
    })(),
  );
  const count = (chunk: Buffer) => {
    budget.bytes -= chunk.length;
    if (budget.bytes < 0) throw new ScanLimitError('image expands beyond the scan byte limit (decompression bomb?)');
    return chunk;
  };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    for await (const chunk of rest.pipe(createGunzip())) yield count(chunk as Buffer);
    return;
  }
  if (head.subarray(0, 4).equals(ZSTD)) {
    const out: Buffer[] = [];
    const zstd = new Decompress((chunk) => out.push(Buffer.from(chunk)));
    for await (const chunk of rest) {
      zstd.push(new Uint8Array(chunk as Buffer));
      while (out.length) yield count(out.shift() as Buffer);
    }
    zstd.push(new Uint8Array(0), true);
    while (out.length) yield count(out.shift() as Buffer);
    return;
  }
  for await (const chunk of rest) yield count(chunk as Buffer);
}

interface FileState {
  /** Content of wanted files, by path; deleted by later whiteouts. */
  content: Map<string, Buffer>;
  /** Every path seen (for the shell check), minus whiteouts. */
  present: Set<string>;
}

function applyWhiteout(state: FileState, dir: string, name: string): void {
  if (name === '.wh..wh..opq') {
    const prefix = dir ? `${dir}/` : '';
    for (const p of [...state.content.keys()]) if (p.startsWith(prefix)) state.content.delete(p);
    for (const p of [...state.present]) if (p.startsWith(prefix)) state.present.delete(p);
    return;
  }
  const target = (dir ? `${dir}/` : '') + name.slice(4);
  for (const p of [...state.content.keys()]) if (p === target || p.startsWith(`${target}/`)) state.content.delete(p);
  state.present.delete(target);
}

export async function readImage(
  layers: LayerRef[],
  open: LayerSource,
  config: { architecture?: string; config?: { User?: string } } | null,
  readRpm: RpmReader | null,
  limits: SbomLimits = DEFAULT_SBOM_LIMITS,
): Promise<ImageContent> {
  const started = Date.now();
  const budget = { bytes: limits.maxBytes };
  const state: FileState = { content: new Map(), present: new Set() };
  let entries = 0;
  const goAndJava: Package[] = [];
  for (const layer of layers) {
    const stream = await open(layer.digest);
    await walkTar(
      decompressed(stream, budget),
      (entry) => {
        if (++entries > limits.maxEntries) throw new ScanLimitError(`image has more than ${limits.maxEntries} files`);
        if (Date.now() - started > limits.deadlineMs) throw new ScanLimitError('scan took longer than its time limit');
        const slash = entry.path.lastIndexOf('/');
        const name = entry.path.slice(slash + 1);
        if (name.startsWith('.wh.')) {
          applyWhiteout(state, slash < 0 ? '' : entry.path.slice(0, slash), name);
          return false;
        }
        state.present.add(entry.path);
        return wanted(entry.path, entry);
      },
      (entry, content) => {
        if (entry.path.endsWith('.jar')) goAndJava.push(...parseJar(content, entry.path));
        else if (
          (entry.mode & 0o111) !== 0 &&
          !entry.path.includes('node_modules/') &&
          !entry.path.includes('.dist-info/')
        ) {
          const found = parseGoBinary(content, entry.path);
          if (found.length) goAndJava.push(...found);
        } else state.content.set(entry.path, content);
      },
      { ...DEFAULT_TAR_LIMITS, maxEntries: limits.maxEntries },
    );
  }
  const text = (p: string) => state.content.get(p)?.toString('utf8');
  const osText = text('etc/os-release') ?? text('usr/lib/os-release');
  const os = osText ? parseOsRelease(osText) : null;
  const packages: Package[] = [];
  const osEco = osEcosystem(os);
  for (const [path, bytes] of state.content) {
    const t = () => bytes.toString('utf8');
    if (path === 'var/lib/dpkg/status' || path.startsWith('var/lib/dpkg/status.d/'))
      packages.push(...parseDpkgStatus(t(), path, osEco ?? 'Debian'));
    else if (path === 'lib/apk/db/installed') packages.push(...parseApkInstalled(t(), path, osEco ?? 'Alpine'));
    else if (path.endsWith('rpmdb.sqlite') && readRpm)
      for (const r of readRpm(bytes))
        packages.push({
          ecosystem: osEco ?? 'Red Hat',
          name: r.name,
          version: `${r.epoch ? `${r.epoch}:` : ''}${r.version}-${r.release}`,
          path,
          source: r.sourceRpm.replace(/-[^-]+-[^-]+\.src\.rpm$/, '') || r.name,
        });
    else if (path.endsWith('METADATA') || path.endsWith('PKG-INFO')) {
      const p = parsePythonMetadata(t(), path);
      if (p) packages.push(p);
    } else if (path.endsWith('package.json')) {
      const p = parseNodePackage(t(), path);
      if (p) packages.push(p);
    }
    if (packages.length > limits.maxPackages)
      throw new ScanLimitError(`image lists more than ${limits.maxPackages} packages`);
  }
  packages.push(...goAndJava);
  const user = config?.config?.User ?? '';
  const hasShell = ['bin/sh', 'bin/bash', 'usr/bin/sh', 'usr/bin/bash', 'bin/ash', 'bin/busybox'].some((p) =>
    state.present.has(p),
  );
  return {
    os,
    packages: dedupe(packages),
    hasShell,
    runsAsRoot: user === '' || user === '0' || user === 'root' || user.startsWith('0:') || user.startsWith('root:'),
    architecture: config?.architecture ?? '',
    files: entries,
  };
}

function dedupe(packages: Package[]): Package[] {
  const seen = new Set<string>();
  return packages.filter((p) => {
    const k = `${p.ecosystem}\0${p.name}\0${p.version}\0${p.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The OSV ecosystem of the image's OS packages: `Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04`, … */
export function osEcosystem(os: ImageContent['os']): string | null {
  if (!os) return null;
  const major = os.versionId.split('.')[0];
  switch (os.id) {
    case 'debian':
      return `Debian:${major}`;
    case 'ubuntu':
      return `Ubuntu:${os.versionId}`;
    case 'alpine':
      return `Alpine:v${os.versionId.split('.').slice(0, 2).join('.')}`;
    case 'rhel':
      return `Red Hat:${major}`;
    case 'rocky':
      return `Rocky Linux:${major}`;
    case 'almalinux':
      return `AlmaLinux:${major}`;
    default:
      return null;
  }
}
