/**
 * Blob download of the big file with curl writing to /dev/null. "Warm": the
 * same URL is fetched once, untimed, right before the timed fetch, so the
 * server's file is in the page cache (this VM pages cold files out).
 */
import { run } from '../lib/proc.ts';
import { mbps } from '../lib/stats.ts';

export interface DownloadFigures {
  MBps: number;
  ms: number;
}

async function curlGet(url: string): Promise<{ code: string; size: number; ms: number }> {
  // curl's own clock (connect to last byte), not the process's lifetime.
  const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url]);
  const [code, size, total] = r.stdout.trim().split(' ');
  return { code, size: Number(size), ms: Number(total) * 1000 };
}

/** Warm GET of `url`, expecting `size` bytes. `beforeTimed` runs between the warm-up and the timed GET. */
export async function download(url: string, size: number, beforeTimed?: () => void): Promise<DownloadFigures> {
  const warm = await curlGet(url);
  if (warm.code !== '200' || warm.size !== size)
    throw new Error(`GET ${url}: ${warm.code}, ${warm.size} bytes (want ${size})`);
  beforeTimed?.();
  const r = await curlGet(url);
  if (r.code !== '200' || r.size !== size) throw new Error(`GET ${url}: ${r.code}, ${r.size} bytes (want ${size})`);
  return { MBps: mbps(size, r.ms), ms: r.ms };
}

/** Streams the blob through `sha256sum` once (untimed) to check the bytes served. */
export async function verifyDownload(url: string, digest: string): Promise<void> {
  const r = await run('sh', ['-c', 'curl -sS --fail "$1" | sha256sum', 'sh', url]);
  const got = `sha256:${r.stdout.trim().split(/\s+/)[0]}`;
  if (got !== digest) throw new Error(`GET ${url}: digest ${got}, expected ${digest}`);
}
