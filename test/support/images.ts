/**
 * Offline image building for the real-client tests.
 *
 * An OCI image layout is `oci-layout`, `index.json` and `blobs/sha256/<hex>`;
 * everything here writes those files directly, with a small ustar writer for
 * the layers, so no network and no daemon is needed. Images are:
 *  - a runnable busybox image (Debian's busybox-static plus applet links),
 *  - synthetic images of N layers of random, incompressible data, unique per
 *    call, gzip / zstd / uncompressed,
 *  - a two-platform image index (amd64 + arm64) written by hand.
 * Plus helpers that read an image graph back (from an OCI layout or a skopeo
 * `dir:` directory) and compare two of them byte for byte, and a skopeo runner
 * with a private blob-info cache.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// ------------------------------------------------------------ media types

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const INDEX_TYPES = new Set<string>([MT.ociIndex, MT.dockerList]);
const MANIFEST_TYPES = new Set<string>([MT.ociManifest, MT.dockerManifest]);

export type Compression = 'gzip' | 'zstd' | 'none';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export function sha256(data: Buffer | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** True when the `zstd` command-line tool is installed (apt package `zstd`). */
export const hasZstd: boolean = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;

// ------------------------------------------------------------ tar writer

export interface TarEntry {
  /** Path inside the archive, without a leading slash (`bin/busybox`). */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
  data?: Buffer;
  linkname?: string;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, '0');
}

function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  let name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) {
      throw new Error(`tar path too long: ${e.name}`);
    }
  }
  const mode = e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
  h.write(name, 0, 100, 'utf8');
  h.write(`${octal(mode, 8)}\0`, 100, 8, 'ascii');
  h.write(`${octal(0, 8)}\0`, 108, 8, 'ascii'); // uid
  h.write(`${octal(0, 8)}\0`, 116, 8, 'ascii'); // gid
  h.write(`${octal(size, 12)}\0`, 124, 12, 'ascii');
  h.write(`${octal(0, 12)}\0`, 136, 12, 'ascii'); // mtime: the epoch, reproducible
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156, 1, 'ascii');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${octal(sum, 7)}\0 `, 148, 8, 'ascii');
  return h;
}

/** A reproducible ustar archive (uid/gid 0, mtime 0) of `entries`, in the given order. */
export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(tarHeader(e, data.length));
    if (data.length > 0) {
      parts.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function compress(tar: Buffer, compression: Compression): Buffer {
  switch (compression) {
    case 'none':
      return tar;
    case 'gzip':
      // zlib writes mtime 0 and no file name: reproducible like `gzip -n`.
      return gzipSync(tar, { level: 1 });
    case 'zstd': {
      if (!hasZstd) throw new Error('zstd is not installed (apt-get install -y zstd)');
      const r = spawnSync('zstd', ['-q', '-c', '-1', '--no-check'], {
        input: tar,
        maxBuffer: tar.length * 2 + (1 << 20),
      });
      if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr?.toString()}`);
      return r.stdout;
    }
  }
}

export function layerMediaType(compression: Compression): string {
  return compression === 'gzip' ? MT.ociLayerGzip : compression === 'zstd' ? MT.ociLayerZstd : MT.ociLayerTar;
}

// ------------------------------------------------------------ OCI layout

export const REF_NAME = 'org.opencontainers.image.ref.name';

/** An OCI image layout directory being written. */
export class OciLayout {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (!existsSync(join(dir, 'index.json'))) {
      await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    }
    return new OciLayout(dir);
  }

  blobPath(digest: string): string {
    const [alg, hex] = digest.split(':');
    return join(this.dir, 'blobs', alg, hex);
  }

  async writeBlob(data: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(data);
    await writeFile(this.blobPath(digest), data);
    return { mediaType, digest, size: data.length };
  }

  async writeJson(value: unknown, mediaType: string): Promise<{ desc: Descriptor; bytes: Buffer }> {
    const bytes = Buffer.from(JSON.stringify(value));
    return { desc: await this.writeBlob(bytes, mediaType), bytes };
  }

  /** Points `tag` (the ref.name annotation in index.json) at `desc`, replacing an older entry. */
  async tag(desc: Descriptor, tag: string): Promise<void> {
    const file = join(this.dir, 'index.json');
    const index = JSON.parse(await readFile(file, 'utf8')) as { manifests: Descriptor[] };
    index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
    const { platform: _p, ...plain } = desc;
    index.manifests.push({ ...plain, annotations: { ...(desc.annotations ?? {}), [REF_NAME]: tag } });
    await writeFile(file, JSON.stringify({ schemaVersion: 2, manifests: index.manifests }));
  }
}

export interface LayerSpec {
  /** Bytes of random data in the layer's single file (before compression). */
  size: number;
  compression?: Compression;
}

export interface BuiltImage {
  layout: OciLayout;
  tag?: string;
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageOptions {
  layers: LayerSpec[];
  platform?: Platform;
  /** Tag in the layout's index.json; omitted for images that are only children of an index. */
  tag?: string;
  /** Extra fields for the image config's `config` object. */
  runConfig?: Record<string, unknown>;
}

interface LayerBlob {
  desc: Descriptor;
  diffId: string;
}

async function writeLayer(layout: OciLayout, tar: Buffer, compression: Compression): Promise<LayerBlob> {
  const blob = compress(tar, compression);
  const desc = await layout.writeBlob(blob, layerMediaType(compression));
  return { desc, diffId: sha256(tar) };
}

async function writeImage(
  layout: OciLayout,
  layers: LayerBlob[],
  platform: Platform,
  runConfig: Record<string, unknown>,
  tag: string | undefined,
): Promise<BuiltImage> {
  const config = await layout.writeJson(
    {
      created: '1970-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], ...runConfig },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '1970-01-01T00:00:00Z', created_by: `berth-test layer ${i}` })),
    },
    MT.ociConfig,
  );
  const manifest = await layout.writeJson(
    {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: config.desc,
      layers: layers.map((l) => l.desc),
    },
    MT.ociManifest,
  );
  const desc: Descriptor = { ...manifest.desc, platform };
  if (tag) await layout.tag(manifest.desc, tag);
  return {
    layout,
    tag,
    manifest: desc,
    manifestBytes: manifest.bytes,
    config: config.desc,
    layers: layers.map((l) => l.desc),
  };
}

/**
 * A synthetic image: one layer per spec, each a tar holding one file of
 * `size` random bytes (incompressible and unique to this call).
 */
export async function buildRandomImage(layout: OciLayout, opts: ImageOptions): Promise<BuiltImage> {
  const platform = opts.platform ?? { architecture: 'amd64', os: 'linux' };
  const layers: LayerBlob[] = [];
  for (const [i, spec] of opts.layers.entries()) {
    const tar = makeTar([
      { name: 'data', type: 'dir' },
      { name: `data/layer-${i}.bin`, type: 'file', data: randomBytes(spec.size) },
    ]);
    layers.push(await writeLayer(layout, tar, spec.compression ?? 'gzip'));
  }
  return writeImage(layout, layers, platform, opts.runConfig ?? {}, opts.tag);
}

/** Path to Debian's statically linked busybox (package `busybox-static`). */
export function busyboxPath(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (existsSync(p)) return p;
  }
  throw new Error('busybox is not installed (apt-get install -y busybox-static)');
}

const APPLETS = ['sh', 'echo', 'ls', 'cat', 'true', 'false', 'uname', 'env', 'mkdir', 'rm', 'cp', 'mv', 'sleep', 'id'];

/**
 * A runnable amd64 busybox image: one gzip layer with /bin/busybox and applet
 * links, `Cmd: ["/bin/sh"]`. Deterministic: the same bytes on every call. An
 * optional `uniqueFile` adds a small random file so the layer is unique.
 */
export async function buildBusyboxImage(
  layout: OciLayout,
  tag: string,
  opts: { unique?: boolean } = {},
): Promise<BuiltImage> {
  const busybox = await readFile(busyboxPath());
  const entries: TarEntry[] = [
    { name: 'bin', type: 'dir' },
    { name: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    ...APPLETS.map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc', type: 'dir' },
    { name: 'etc/passwd', type: 'file', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\n') },
    { name: 'etc/group', type: 'file', data: Buffer.from('root:x:0:\n') },
    { name: 'root', type: 'dir', mode: 0o700 },
    { name: 'tmp', type: 'dir', mode: 0o1777 },
  ];
  if (opts.unique)
    entries.push({ name: 'etc/berth-test-id', type: 'file', data: Buffer.from(randomBytes(16).toString('hex')) });
  const layer = await writeLayer(layout, makeTar(entries), 'gzip');
  return writeImage(layout, [layer], { architecture: 'amd64', os: 'linux' }, { Cmd: ['/bin/sh'] }, tag);
}

export interface BuiltIndex {
  layout: OciLayout;
  tag: string;
  index: Descriptor;
  indexBytes: Buffer;
  images: BuiltImage[];
}

/**
 * A two-platform image index (linux/amd64 and linux/arm64/v8) written by
 * hand, each child a synthetic image with its own random layers.
 */
export async function buildTwoPlatformIndex(
  layout: OciLayout,
  tag: string,
  layers: LayerSpec[] = [{ size: 256 * 1024 }, { size: 128 * 1024 }],
): Promise<BuiltIndex> {
  const platforms: Platform[] = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
  ];
  const images: BuiltImage[] = [];
  for (const platform of platforms) images.push(await buildRandomImage(layout, { layers, platform }));
  const index = await layout.writeJson(
    {
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: images.map((i) => i.manifest),
    },
    MT.ociIndex,
  );
  await layout.tag(index.desc, tag);
  return { layout, tag, index: index.desc, indexBytes: index.bytes, images };
}

// ------------------------------------------------------------ reading and comparing

/** Every manifest and blob reachable from one root, by digest, with its exact bytes. */
export interface ImageGraph {
  root: Descriptor;
  rootBytes: Buffer;
  /** digest → bytes, the root included. */
  blobs: Map<string, Buffer>;
  /** digests that are manifests or indexes (root included). */
  manifests: Set<string>;
}

interface AnyManifest {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

function manifestKind(bytes: Buffer, declared?: string): 'index' | 'manifest' {
  const m = JSON.parse(bytes.toString('utf8')) as AnyManifest;
  const t = m.mediaType ?? declared ?? '';
  if (INDEX_TYPES.has(t) || Array.isArray(m.manifests)) return 'index';
  if (MANIFEST_TYPES.has(t) || m.config) return 'manifest';
  throw new Error(`not a manifest: ${t}`);
}

async function walk(
  root: Descriptor,
  load: (digest: string) => Promise<Buffer>,
  loadManifest: (digest: string) => Promise<Buffer> = load,
): Promise<ImageGraph> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Set<string>();
  const verify = (digest: string, bytes: Buffer) => {
    assert.equal(sha256(bytes), digest, `bytes stored as ${digest} hash to ${sha256(bytes)}`);
  };
  const visit = async (desc: Descriptor): Promise<void> => {
    if (manifests.has(desc.digest)) return;
    const bytes = await loadManifest(desc.digest);
    verify(desc.digest, bytes);
    assert.equal(bytes.length, desc.size, `size of manifest ${desc.digest}`);
    blobs.set(desc.digest, bytes);
    manifests.add(desc.digest);
    const m = JSON.parse(bytes.toString('utf8')) as AnyManifest;
    if (manifestKind(bytes, desc.mediaType) === 'index') {
      for (const child of m.manifests ?? []) await visit(child);
      return;
    }
    for (const b of [m.config, ...(m.layers ?? [])]) {
      if (!b || blobs.has(b.digest)) continue;
      const data = await load(b.digest);
      verify(b.digest, data);
      assert.equal(data.length, b.size, `size of blob ${b.digest}`);
      blobs.set(b.digest, data);
    }
  };
  await visit(root);
  return { root, rootBytes: blobs.get(root.digest) as Buffer, blobs, manifests };
}

/** The image graph tagged `tag` in an OCI layout (the only entry when `tag` is omitted). */
export async function readLayoutImage(dir: string, tag?: string): Promise<ImageGraph> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const candidates = tag ? index.manifests.filter((m) => m.annotations?.[REF_NAME] === tag) : index.manifests;
  assert.equal(candidates.length, 1, `exactly one entry for tag ${tag ?? '(any)'} in ${dir}/index.json`);
  const root = candidates[0];
  const load = (digest: string) => {
    const [alg, hex] = digest.split(':');
    return readFile(join(dir, 'blobs', alg, hex));
  };
  return walk(root, load);
}

/**
 * The image in a skopeo `dir:` directory: `manifest.json` plus one file per
 * blob named by its hex digest (per-instance manifests of a list are
 * `<hex>.manifest.json`).
 */
export async function readDirImage(dir: string): Promise<ImageGraph> {
  const rootBytes = await readFile(join(dir, 'manifest.json'));
  const root: Descriptor = {
    mediaType: (JSON.parse(rootBytes.toString('utf8')) as AnyManifest).mediaType ?? '',
    digest: sha256(rootBytes),
    size: rootBytes.length,
  };
  const hexOf = (d: string) => d.split(':')[1];
  const load = (digest: string) => readFile(join(dir, hexOf(digest)));
  const loadManifest = (digest: string) =>
    digest === root.digest ? Promise.resolve(rootBytes) : readFile(join(dir, `${hexOf(digest)}.manifest.json`));
  return walk(root, load, loadManifest);
}

/** Asserts both graphs have the same root and exactly the same blobs and manifests, byte for byte. */
export function assertSameImage(actual: ImageGraph, expected: ImageGraph, what = 'image'): void {
  assert.equal(actual.root.digest, expected.root.digest, `${what}: root digest`);
  assert.ok(actual.rootBytes.equals(expected.rootBytes), `${what}: root manifest bytes differ`);
  assert.deepEqual([...actual.blobs.keys()].sort(), [...expected.blobs.keys()].sort(), `${what}: set of blobs`);
  assert.deepEqual([...actual.manifests].sort(), [...expected.manifests].sort(), `${what}: set of manifests`);
  for (const [digest, bytes] of expected.blobs) {
    const other = actual.blobs.get(digest) as Buffer;
    assert.ok(other.equals(bytes), `${what}: bytes of ${digest} differ`);
  }
}

/** Compares two OCI layouts' images byte for byte (every manifest and blob reachable from the tags). */
export async function assertLayoutsEqual(dirA: string, tagA: string, dirB: string, tagB: string): Promise<void> {
  assertSameImage(
    await readLayoutImage(dirA, tagA),
    await readLayoutImage(dirB, tagB),
    `${dirA}:${tagA} vs ${dirB}:${tagB}`,
  );
}

/** The digests of every file under `blobs/` of a layout (to check nothing extra or missing). */
export async function layoutBlobDigests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const alg of await readdir(join(dir, 'blobs'))) {
    for (const hex of await readdir(join(dir, 'blobs', alg))) out.push(`${alg}:${hex}`);
  }
  return out.sort();
}

// ------------------------------------------------------------ temp dirs

/** A fresh directory under os.tmpdir(); remove it with `rm(dir, {recursive: true, force: true})`. */
export function tempDir(prefix = 'berth-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

// ------------------------------------------------------------ running tools

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws for a non-zero exit (check `code`). */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) + (err && code === 1 && !stderr ? String(err) : ''),
        });
      },
    );
  });
}

/** Throws with the command's output when it exited non-zero. */
export function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) {
    throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

const SYSTEM_CACHE = '/var/lib/containers/cache';

/** Whether a private mount namespace can hide the system blob-info cache (needs root). */
let canUnshare: boolean | undefined;
function unshareWorks(): boolean {
  if (canUnshare === undefined) {
    canUnshare =
      process.getuid?.() === 0 &&
      spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return canUnshare;
}

/**
 * skopeo with its own blob-info cache, auth file and temp dir, so that it
 * neither reuses knowledge from other runs (which would turn uploads into
 * mounts) nor shares a lock with other users of the machine. TLS verification
 * is off for registry endpoints (the test servers speak plain HTTP).
 */
export class Skopeo {
  private constructor(
    readonly home: string,
    readonly cacheDir: string,
  ) {}

  static async create(): Promise<Skopeo> {
    const home = await tempDir('berth-skopeo-');
    const cacheDir = join(home, 'cache');
    await mkdir(cacheDir);
    await mkdir(join(home, 'tmp'));
    await writeFile(join(home, 'auth.json'), '{"auths":{}}');
    return new Skopeo(home, cacheDir);
  }

  /** Whether the system cache is really hidden (root + mount namespaces). */
  get isolated(): boolean {
    return unshareWorks();
  }

  async run(args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    // Global options (`--override-arch arm64`, …) come before the subcommand.
    const withValue = new Set([
      '--override-arch',
      '--override-os',
      '--override-variant',
      '--command-timeout',
      '--registries.d',
      '--policy',
    ]);
    let i = 0;
    while (i < args.length && args[i].startsWith('-')) i += withValue.has(args[i]) && !args[i].includes('=') ? 2 : 1;
    const globals = args.slice(0, i);
    const [sub, ...rest] = args.slice(i);
    const tls: Record<string, string[]> = {
      copy: ['--src-tls-verify=false', '--dest-tls-verify=false'],
      sync: ['--src-tls-verify=false', '--dest-tls-verify=false'],
      inspect: ['--tls-verify=false'],
      'list-tags': ['--tls-verify=false'],
      delete: ['--tls-verify=false'],
    };
    const full = [
      '--insecure-policy',
      '--tmpdir',
      join(this.home, 'tmp'),
      ...globals,
      sub,
      ...(tls[sub] ?? []),
      ...rest,
    ];
    const env = {
      ...process.env,
      HOME: this.home,
      XDG_DATA_HOME: join(this.home, 'share'),
      XDG_RUNTIME_DIR: join(this.home, 'run'),
      REGISTRY_AUTH_FILE: join(this.home, 'auth.json'),
      TMPDIR: join(this.home, 'tmp'),
    };
    await mkdir(env.XDG_RUNTIME_DIR, { recursive: true });
    if (!unshareWorks()) return run('skopeo', full, { env, timeoutMs: opts.timeoutMs });
    // A private mount namespace with our cache directory over the system one.
    await mkdir(SYSTEM_CACHE, { recursive: true, mode: 0o700 });
    const script = 'mount --bind "$0" /var/lib/containers/cache && exec skopeo "$@"';
    return run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, this.cacheDir, ...full], {
      env,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** Runs and throws on a non-zero exit. */
  async ok(args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    return ok(await this.run(args, opts), `skopeo ${args.join(' ')}`);
  }

  /** Forgets everything learnt so far (a new, empty blob-info cache). */
  async resetCache(): Promise<void> {
    await rm(this.cacheDir, { recursive: true, force: true });
    await mkdir(this.cacheDir);
  }

  async cleanup(): Promise<void> {
    await removeDir(this.home);
  }
}
