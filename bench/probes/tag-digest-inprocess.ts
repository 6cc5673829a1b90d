/**
 * Manifest GET by tag against by digest, CPU per request, client and server in
 * this one process (src/ through tsx, the access log off): the same client
 * costs on both sides, so a difference is the server's. Batches of N GETs over
 * 8 keep-alive connections, alternating tag and digest K times; prints the
 * medians (µs of this process's CPU per request) and every batch.
 *
 *   NODE_ENV=production node --import tsx bench/probes/tag-digest-inprocess.ts     (K=12 N=3000)
 */
import http from 'node:http';
import { startInProcess } from '../../test/support/inprocess.ts';
import { sha256Digest } from '../lib/net.ts';
import { median } from '../lib/stats.ts';

const K = Number(process.env.K ?? 12);
const N = Number(process.env.N ?? 3000);
const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

const berth = await startInProcess();
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const send = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) =>
  new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(`${berth.url}${path}`, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end(body);
  });

const config = Buffer.from('{}');
await send('POST', `/v2/t/app/blobs/uploads/?digest=${sha256Digest(config)}`, config, {
  'content-type': 'application/octet-stream',
});
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: 2 },
    layers: [],
  }),
);
const put = await send('PUT', '/v2/t/app/manifests/v1', manifest, {
  'content-type': 'application/vnd.oci.image.manifest.v1+json',
});
const paths = { tag: '/v2/t/app/manifests/v1', digest: `/v2/t/app/manifests/${put.headers['docker-content-digest']}` };

async function batch(path: string, n: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent++ < n) {
        const res = await send('GET', path, undefined, ACCEPT);
        if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
      }
    }),
  );
}

for (const path of Object.values(paths)) await batch(path, 5000); // warm-up
const cpu = { tag: [] as number[], digest: [] as number[] };
for (let k = 0; k < K; k++) {
  for (const kind of k % 2 ? (['tag', 'digest'] as const) : (['digest', 'tag'] as const)) {
    const before = process.cpuUsage();
    await batch(paths[kind], N);
    const used = process.cpuUsage(before);
    cpu[kind].push((used.user + used.system) / N);
  }
}
console.log(
  `CPU µs per request (client + server): by tag ${median(cpu.tag).toFixed(1)}, by digest ${median(cpu.digest).toFixed(1)}`,
);
console.log(`  by tag:    ${cpu.tag.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`  by digest: ${cpu.digest.map((x) => x.toFixed(0)).join(' ')}`);
agent.destroy();
await berth.stop();
