/**
 * The big test blob: one incompressible file on disk. Before each upload its
 * first 32 bytes are replaced with random ones, so every upload sends a blob
 * no server has seen (content-addressed stores cannot skip the write), and
 * its digest is computed with `openssl dgst -sha256` — which is at the same
 * time a sample of the machine's hashing ceiling and reads the file into the
 * page cache right before the upload. Then `sync`: what earlier steps left
 * unwritten (the nginx PUT's file, the file itself) would otherwise be written
 * back during the next timed upload, slowing whichever server comes next.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { run } from '../lib/proc.ts';
import { mbps } from '../lib/stats.ts';

export interface BlobFile {
  path: string;
  size: number;
  digest: string;
}

/** Writes `size` random bytes to `path` (kept when it already has that size). */
export function makeRandomFile(path: string, size: number): void {
  try {
    if (statSync(path).size === size) return;
  } catch {
    // create it
  }
  const fd = openSync(path, 'w');
  const buf = Buffer.allocUnsafe(16 * 1024 * 1024);
  try {
    for (let off = 0; off < size; off += buf.length) {
      const n = Math.min(buf.length, size - off);
      randomFillSync(buf, 0, n);
      writeSync(fd, buf, 0, n, off);
    }
  } finally {
    closeSync(fd);
  }
}

/** `openssl dgst -sha256 FILE`: the digest and the hashing speed (MB/s). */
export async function opensslSha256(path: string): Promise<{ digest: string; MBps: number }> {
  const size = statSync(path).size;
  const r = await run('openssl', ['dgst', '-sha256', '-r', path]);
  const hex = r.stdout.trim().split(/\s+/)[0];
  if (!/^[a-f0-9]{64}$/.test(hex)) throw new Error(`unexpected openssl output: ${r.stdout}`);
  return { digest: `sha256:${hex}`, MBps: mbps(size, r.ms) };
}

/** Makes the file a new blob (new first 32 bytes), syncs, and returns it with its digest and the hash speed. */
export async function freshBlob(path: string): Promise<{ blob: BlobFile; sha256MBps: number }> {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, randomBytes(32), 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  const { digest, MBps } = await opensslSha256(path);
  await settleDisk();
  return { blob: { path, size: statSync(path).size, digest }, sha256MBps: MBps };
}

/**
 * `sync`: the writes of earlier steps reach the disk now, so the kernel's write-back of them (CPU on these
 * 2 cores, and the disk) does not run during the next timed step.
 */
export async function settleDisk(): Promise<void> {
  await run('sync', []);
}

/**
 * A plain write of the same file with `dd`, MB/s: with `fsync` (default) the
 * disk's ceiling, without it the page cache's.
 */
export async function ddWrite(src: string, dest: string, fsync = true): Promise<number> {
  const size = statSync(src).size;
  const r = await run('dd', [`if=${src}`, `of=${dest}`, 'bs=4M', ...(fsync ? ['conv=fsync'] : [])]);
  await run('rm', ['-f', dest]);
  return mbps(size, r.ms);
}

/**
 * The disk's ceiling for a durable write when writeback overlaps the writing:
 * the file copied in 4 MiB blocks with an fdatasync started in the background
 * every 128 MiB, one at a time (as Berth's upload files are) and an fsync at
 * the end, MB/s.
 * `dd conv=fsync` instead leaves the whole flush to the end.
 */
export async function flushedWrite(src: string, dest: string): Promise<number> {
  const input = await open(src, 'r');
  const output = await open(dest, 'w');
  const block = Buffer.allocUnsafe(4 * 1024 * 1024);
  const started = performance.now();
  let size = 0;
  let flushing: Promise<void> | null = null;
  let sinceFlush = 0;
  try {
    for (;;) {
      const { bytesRead } = await input.read(block, 0, block.length, size);
      if (bytesRead === 0) break;
      await output.write(block, 0, bytesRead, size);
      size += bytesRead;
      sinceFlush += bytesRead;
      if (sinceFlush >= 128 * 1024 * 1024 && !flushing) {
        sinceFlush = 0;
        flushing = output.datasync().finally(() => {
          flushing = null;
        });
      }
    }
    await flushing;
    await output.sync();
  } finally {
    await input.close();
    await output.close();
  }
  const ms = performance.now() - started;
  await rm(dest, { force: true });
  return mbps(size, ms);
}

/** Reads a file once (puts it in the page cache). */
export async function warmFile(path: string): Promise<void> {
  await run('sh', ['-c', `cat "$1" > /dev/null`, 'sh', path]);
}
