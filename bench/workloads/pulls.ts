/**
 * Many clients pulling one image at once: each pull GETs the manifest by
 * tag, then the config and every layer one after another, counting bytes
 * (sizes are checked; bodies are discarded, not hashed, so the client stays
 * cheap on a shared 2-core machine).
 */
import http from 'node:http';
import { request } from '../lib/net.ts';
import { now, since } from '../lib/proc.ts';
import { mbps } from '../lib/stats.ts';
import { type Descriptor, MANIFEST_ACCEPT } from './image.ts';

export interface PullsFigures {
  /** Wall time until the last pull finished. */
  seconds: number;
  /** All bytes pulled / wall time. */
  MBps: number;
}

const pullAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function getBlob(url: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: pullAgent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => {
          if (res.statusCode !== 200 || n !== size)
            reject(new Error(`GET ${url}: ${res.statusCode}, ${n} bytes (want ${size})`));
          else resolve(n);
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function pullOnce(base: string, repo: string, tag: string): Promise<number> {
  const m = await request('GET', `${base}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (m.status !== 200) throw new Error(`GET manifest ${repo}:${tag}: ${m.status}`);
  const manifest = JSON.parse(m.body.toString()) as { config: Descriptor; layers: Descriptor[] };
  let bytes = m.body.length;
  for (const d of [manifest.config, ...manifest.layers]) {
    bytes += await getBlob(`${base}/v2/${repo}/blobs/${d.digest}`, d.size);
  }
  return bytes;
}

/** `clients` concurrent pulls of REPO:TAG. */
export async function concurrentPulls(base: string, repo: string, tag: string, clients = 16): Promise<PullsFigures> {
  const t0 = now();
  const bytes = await Promise.all(Array.from({ length: clients }, () => pullOnce(base, repo, tag)));
  const ms = since(t0);
  const total = bytes.reduce((a, b) => a + b, 0);
  return { seconds: ms / 1000, MBps: mbps(total, ms) };
}

export interface StormFigures extends PullsFigures {
  /** 99th percentile of the time of each blob GET (request sent to last byte), ms. */
  p99ms: number;
  /** Failed requests (status, short body, socket error); the pull goes on with the next blob. */
  errors: number;
  /** What the first failure was, for the log. */
  firstError?: string;
  /** GETs sent again because a kept-alive connection was closed by the server before any answer (not errors). */
  retries: number;
}

/** One blob GET, timed; failures counted rather than thrown (a storm goes on). */
function timedBlob(
  url: string,
  size: number,
  agent: http.Agent,
  onRetry: () => void,
): Promise<{ ms: number; bytes: number; ok: boolean; why?: string }> {
  const t0 = now();
  const attempt = (retry: boolean): Promise<{ ms: number; bytes: number; ok: boolean; why?: string }> =>
    new Promise((resolve) => {
      const done = (bytes: number, ok: boolean, why?: string) => resolve({ ms: since(t0), bytes, ok, why });
      const req = http.get(url, { agent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => {
          const ok = res.statusCode === 200 && n === size;
          done(n, ok, ok ? undefined : `GET ${url}: ${res.statusCode}, ${n} of ${size} bytes`);
        });
        res.on('error', (err) => done(n, false, `GET ${url}: ${err.message} after ${n} bytes`));
      });
      req.on('error', (err) => {
        // A kept-alive connection the server closed (its keep-alive timeout) just as the request went out:
        // no byte of an answer came, so the GET is sent again once, as Go's and containerd's clients do.
        if (retry && req.reusedSocket) {
          onRetry();
          resolve(attempt(false));
        } else done(0, false, `GET ${url}: ${err.message}`);
      });
    });
  return attempt(true);
}

/**
 * A rollout across a cluster: `clients` nodes pulling the same image at the
 * same moment, each on its own connection, layers one after another as
 * containerd does per image. Time to the last byte of the last client.
 */
export async function pullStorm(base: string, repo: string, tag: string, clients = 200): Promise<StormFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const m = await request('GET', `${base}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (m.status !== 200) throw new Error(`GET manifest ${repo}:${tag}: ${m.status}`);
  const manifest = JSON.parse(m.body.toString()) as { config: Descriptor; layers: Descriptor[] };
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let retries = 0;
  let total = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const mm = await request('GET', `${base}/v2/${repo}/manifests/${tag}`, {
        headers: { accept: MANIFEST_ACCEPT },
      }).catch((err: Error) => {
        firstError ??= `GET manifest: ${err.message}`;
        return null;
      });
      if (mm?.status !== 200) {
        if (mm) firstError ??= `GET manifest: ${mm.status}`;
        errors++;
        return;
      }
      total += mm.body.length;
      for (const d of [manifest.config, ...manifest.layers]) {
        const r = await timedBlob(`${base}/v2/${repo}/blobs/${d.digest}`, d.size, agent, () => retries++);
        times.push(r.ms);
        total += r.bytes;
        if (!r.ok) {
          errors++;
          firstError ??= r.why;
        }
      }
    }),
  );
  const ms = since(t0);
  agent.destroy();
  times.sort((a, b) => a - b);
  const p99ms = times.length ? times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] : Number.NaN;
  return { seconds: ms / 1000, MBps: mbps(total, ms), p99ms, errors, firstError, retries };
}
