/**
 * The signature gate's cost on the hot path: manifest GET req/s (wrk -t2
 * -c64) of a signed image in a project with the cosign gate on, against the
 * same manifest in a project with the gate off, on one Berth. Runs
 * alternate (off, on, off, on, …) so drift hits both; prints medians and
 * the ratio (goal >= 0.9).
 *
 *   node --import tsx bench/gate.ts [seconds per run = 10] [rounds = 3]
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_TYPE,
  simpleSigningPayload,
} from '../src/features/signing/payload.ts';
import { signBytes } from '../src/features/signing/raw-signature.ts';
import { startBerth } from './servers.ts';
import { wrkGet } from './workloads/small.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function call(url: string, method: string, body?: Buffer | string, type = 'application/json') {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : new Uint8Array(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res;
}

async function pushBlob(base: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = digestOf(bytes);
  await call(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, 'POST', bytes, 'application/octet-stream');
  return digest;
}

async function pushImage(base: string, repo: string): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = Buffer.from('bench layer');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await pushBlob(base, repo, config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: await pushBlob(base, repo, layer),
          size: layer.length,
        },
      ],
    }),
  );
  await call(`${base}/v2/${repo}/manifests/v1`, 'PUT', manifest, OCI);
  return digestOf(manifest);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'berth-gate-bench-'));
  const server = await startBerth({
    root,
    dataDir: path.join(dataDir, 'data'),
    logFile: path.join(dataDir, 'berth.log'),
  });
  try {
    const api = `${server.url}/api/v2.0`;
    await call(`${api}/projects`, 'POST', JSON.stringify({ project_name: 'plain', metadata: { public: 'true' } }));
    await call(
      `${api}/projects`,
      'POST',
      JSON.stringify({ project_name: 'gated', metadata: { public: 'true', enable_content_trust_cosign: 'true' } }),
    );
    await pushImage(server.url, 'plain/app');
    const digest = await pushImage(server.url, 'gated/app');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await call(
      `${api}/projects/gated/trusted-keys`,
      'POST',
      JSON.stringify({ name: 'bench', public_key: publicKey.export({ type: 'spki', format: 'pem' }) }),
    );
    const payload = simpleSigningPayload(`127.0.0.1:${server.port}/gated/app`, digest);
    const emptyConfig = Buffer.from('{}');
    const sig = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: await pushBlob(server.url, 'gated/app', emptyConfig),
          size: 2,
        },
        layers: [
          {
            mediaType: SIMPLE_SIGNING_TYPE,
            digest: await pushBlob(server.url, 'gated/app', payload),
            size: payload.length,
            annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signBytes(privateKey, payload).toString('base64') },
          },
        ],
      }),
    );
    await call(`${server.url}/v2/gated/app/manifests/${digest.replace(':', '-')}.sig`, 'PUT', sig, OCI);
    const headers = { accept: OCI };
    for (const repo of ['plain/app', 'gated/app']) {
      const res = await fetch(`${server.url}/v2/${repo}/manifests/v1`, { headers });
      if (res.status !== 200) throw new Error(`${repo}: ${res.status} ${await res.text()}`);
    }
    const unsigned = await fetch(`${server.url}/v2/gated/app/manifests/${digest.replace(':', '-')}.sig`);
    console.log(`signature manifest itself (exempt): ${unsigned.status}`);
    await wrkGet(`${server.url}/v2/plain/app/manifests/v1`, 3, headers); // warm-up
    await wrkGet(`${server.url}/v2/gated/app/manifests/v1`, 3, headers);
    const off: number[] = [];
    const on: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a = await wrkGet(`${server.url}/v2/plain/app/manifests/v1`, seconds, headers);
      const b = await wrkGet(`${server.url}/v2/gated/app/manifests/v1`, seconds, headers);
      if (a.non2xx || b.non2xx) throw new Error(`non-2xx answers: off ${a.non2xx}, on ${b.non2xx}`);
      off.push(a.rps);
      on.push(b.rps);
      console.log(
        `round ${i + 1}: gate off ${a.rps.toFixed(0)} req/s (p99 ${a.p99ms} ms), gate on ${b.rps.toFixed(0)} req/s (p99 ${b.p99ms} ms)`,
      );
    }
    const ratio = median(on) / median(off);
    console.log(
      `manifest GET, wrk -t2 -c64 -d${seconds}s x ${rounds}: gate off ${median(off).toFixed(0)} req/s, gate on ${median(on).toFixed(0)} req/s, ratio ${ratio.toFixed(3)}`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
