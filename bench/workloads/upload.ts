/**
 * Blob uploads of the big file: monolithic (POST, then one PUT with the whole
 * body, sent by `curl -T` which streams from the file) and chunked (POST,
 * PATCHes of a fixed size, final PUT with the digest, sent by a Node client
 * reading each chunk into one reused buffer).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import http from 'node:http';
import { agent, request, resolveLocation, withQuery } from '../lib/net.ts';
import { now, run, since } from '../lib/proc.ts';
import { mbps } from '../lib/stats.ts';
import type { BlobFile } from './blobfile.ts';

export interface UploadFigures {
  /** Throughput, 10^6 bytes per second, POST to final 201. */
  MBps: number;
  ms: number;
}

async function startUpload(base: string, repo: string): Promise<string> {
  const r = await request('POST', `${base}/v2/${repo}/blobs/uploads/`);
  if (r.status !== 202) throw new Error(`POST upload: ${r.status} ${r.body.toString().slice(0, 300)}`);
  return resolveLocation(base, r.headers.location);
}

/** Checks the registry now has the blob with the right size. */
export async function verifyBlob(base: string, repo: string, blob: BlobFile): Promise<void> {
  const r = await request('HEAD', `${base}/v2/${repo}/blobs/${blob.digest}`);
  if (r.status !== 200) throw new Error(`HEAD blob after upload: ${r.status}`);
  if (Number(r.headers['content-length']) !== blob.size) {
    throw new Error(`HEAD blob after upload: content-length ${r.headers['content-length']}, expected ${blob.size}`);
  }
}

/** POST + `curl -T FILE` PUT. `verify` HEADs the blob afterwards (untimed). */
export async function monolithicUpload(
  base: string,
  repo: string,
  blob: BlobFile,
  verify = true,
): Promise<UploadFigures> {
  const t0 = now();
  const location = await startUpload(base, repo);
  const url = withQuery(location, 'digest', blob.digest);
  const r = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-H',
    'Expect:',
    '-H',
    'Content-Type: application/octet-stream',
    '-T',
    blob.path,
    url,
  ]);
  const ms = since(t0);
  const code = r.stdout.trim();
  if (code !== '201') throw new Error(`monolithic PUT answered ${code}`);
  if (verify) await verifyBlob(base, repo, blob);
  return { MBps: mbps(blob.size, ms), ms };
}

function sendChunk(
  url: string,
  method: string,
  buf: Buffer,
  headers: http.OutgoingHttpHeaders,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': buf.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(buf);
  });
}

/** POST, PATCH `chunkSize` pieces with Content-Range, PUT ?digest= with no body. */
export async function chunkedUpload(
  base: string,
  repo: string,
  blob: BlobFile,
  chunkSize = 16 * 1024 * 1024,
  verify = true,
): Promise<UploadFigures> {
  const buf = Buffer.allocUnsafe(chunkSize);
  const fd = openSync(blob.path, 'r');
  try {
    const t0 = now();
    let location = await startUpload(base, repo);
    for (let off = 0; off < blob.size; ) {
      let n = 0;
      const want = Math.min(chunkSize, blob.size - off);
      while (n < want) n += readSync(fd, buf, n, want - n, off + n);
      const res = await sendChunk(location, 'PATCH', buf.subarray(0, n), {
        'content-type': 'application/octet-stream',
        'content-range': `${off}-${off + n - 1}`,
      });
      if (res.statusCode !== 202) throw new Error(`PATCH at ${off}: ${res.statusCode}`);
      location = resolveLocation(base, res.headers.location);
      off += n;
    }
    const fin = await request('PUT', withQuery(location, 'digest', blob.digest));
    const ms = since(t0);
    if (fin.status !== 201) throw new Error(`final PUT: ${fin.status} ${fin.body.toString().slice(0, 300)}`);
    if (verify) await verifyBlob(base, repo, blob);
    return { MBps: mbps(blob.size, ms), ms };
  } finally {
    closeSync(fd);
  }
}

/** nginx WebDAV PUT of the file to disk: receive-and-write ceiling without hashing (MB/s). */
export async function nginxPut(base: string, blob: BlobFile): Promise<number> {
  const t0 = now();
  const r = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-H',
    'Expect:',
    '-T',
    blob.path,
    `${base}/dav/blob`,
  ]);
  const ms = since(t0);
  if (!['201', '204'].includes(r.stdout.trim())) throw new Error(`nginx PUT answered ${r.stdout}`);
  await request('DELETE', `${base}/dav/blob`);
  return mbps(blob.size, ms);
}
