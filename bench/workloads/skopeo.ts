/**
 * skopeo copy push and pull of the OCI layout image. Every copy gets a fresh
 * blob-info cache (skopeo remembers where blobs live and turns later pushes
 * into cross-repository mounts) and pushes go to a new repository.
 *
 * As root the cache lives at /var/lib/containers/cache: each copy runs in a
 * private mount namespace with a fresh directory bind-mounted there. Not
 * root: the cache follows XDG_DATA_HOME, pointed at a fresh directory.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { run } from '../lib/proc.ts';

const ROOT_CACHE = '/var/lib/containers/cache';

export interface SkopeoFigures {
  seconds: number;
}

let cacheSerial = 0;

async function skopeo(workDir: string, args: string[]): Promise<number> {
  const cache = path.join(workDir, `cache-${process.pid}-${cacheSerial++}`);
  mkdirSync(cache, { recursive: true });
  try {
    let r: Awaited<ReturnType<typeof run>>;
    if (process.getuid?.() === 0) {
      r = await run('unshare', [
        '-m',
        'sh',
        '-c',
        `mkdir -p ${ROOT_CACHE} && mount --bind "$0" ${ROOT_CACHE} && exec skopeo "$@"`,
        cache,
        ...args,
      ]);
    } else {
      r = await run('skopeo', args, { env: { ...process.env, XDG_DATA_HOME: cache } });
    }
    return r.ms / 1000;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** Checks that a fresh, private blob-info cache is really used (fails loudly otherwise). */
export async function checkSkopeoIsolation(workDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const r = await run(
    'unshare',
    ['-m', 'sh', '-c', `mkdir -p ${ROOT_CACHE} && mount --bind "$0" ${ROOT_CACHE} && echo ok`, workDir],
    {
      check: false,
    },
  );
  if (r.stdout.trim() !== 'ok') {
    throw new Error(`skopeo runs need a private mount namespace (unshare -m, mount --bind) as root: ${r.stderr}`);
  }
}

/** `skopeo copy --preserve-digests oci:LAYOUT:TAG docker://HOST/REPO:TAG`, seconds. */
export async function skopeoPush(
  workDir: string,
  layout: string,
  tag: string,
  host: string,
  repo: string,
): Promise<SkopeoFigures> {
  const seconds = await skopeo(workDir, [
    'copy',
    '-q',
    '--preserve-digests',
    '--dest-tls-verify=false',
    `oci:${layout}:${tag}`,
    `docker://${host}/${repo}:${tag}`,
  ]);
  return { seconds };
}

/** `skopeo copy --preserve-digests docker://HOST/REPO:TAG oci:DEST:TAG` into a new directory, seconds. */
export async function skopeoPull(workDir: string, host: string, repo: string, tag: string): Promise<SkopeoFigures> {
  const dest = path.join(workDir, `pull-${process.pid}-${cacheSerial++}`);
  try {
    const seconds = await skopeo(workDir, [
      'copy',
      '-q',
      '--preserve-digests',
      '--src-tls-verify=false',
      `docker://${host}/${repo}:${tag}`,
      `oci:${dest}:${tag}`,
    ]);
    return { seconds };
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}
