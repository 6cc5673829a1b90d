/**
 * Replication throughput against `skopeo copy` between the same registries:
 * a source Berth (server process, auth off) and two fresh CNCF Distribution
 * targets, one per copier so neither finds the other's blobs. Copies one
 * image of LAYERS random layers of LAYER_MIB each, then copies it again
 * (everything present). Run: node --import tsx bench/replication.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer } from '../test/support/berth.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../test/support/oci.ts';

const run = promisify(execFile);
const LAYERS = Number(process.env.LAYERS ?? 4);
const LAYER_MIB = Number(process.env.LAYER_MIB ?? 64);
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const [source, forBerth, forSkopeo] = await Promise.all([
    startServer({ kind: 'berth', env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' } }),
    startServer({ kind: 'distribution' }),
    startServer({ kind: 'distribution' }),
  ]);
  try {
    const oci = new RegistryClient(source.url);
    const config = configBlob();
    const layers = Array.from({ length: LAYERS }, () => randomBlob(LAYER_MIB * MiB));
    await oci.pushBlobs('bench/img', config, ...layers);
    const manifest = imageManifest({
      config: descriptor(config, OCI_CONFIG),
      layers: layers.map((l) => descriptor(l, OCI_LAYER_GZIP)),
    });
    await oci.pushManifest('bench/img', '1', manifest);
    const total = LAYERS * LAYER_MIB;

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${source.url}/api/v2.0${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    const idOf = (res: Response) => Number(res.headers.get('location')?.split('/').pop());
    const registry = idOf(
      await api('POST', '/registries', { name: 'target', type: 'docker-registry', url: forBerth.url }),
    );
    const policy = idOf(
      await api('POST', '/replication/policies', {
        name: 'bench',
        dest_registry: { id: registry },
        filters: [{ type: 'name', value: 'bench/**' }],
        trigger: { type: 'manual' },
      }),
    );
    const berthCopy = async () => {
      const started = performance.now();
      const execution = idOf(await api('POST', '/replication/executions', { policy_id: policy }));
      for (;;) {
        const e = (await (await api('GET', `/replication/executions/${execution}`)).json()) as { status: string };
        if (e.status !== 'InProgress') {
          if (e.status !== 'Succeed') throw new Error(`replication ended ${e.status}`);
          return (performance.now() - started) / 1000;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const skopeoCopy = async () => {
      const started = performance.now();
      await run('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${source.host}/bench/img:1`,
        `docker://${forSkopeo.host}/bench/img:1`,
      ]);
      return (performance.now() - started) / 1000;
    };

    const rows: [string, number, number, number, number][] = [];
    const berthFirst = await berthCopy();
    const skopeoFirst = await skopeoCopy();
    const berthAgain = await berthCopy();
    const skopeoAgain = await skopeoCopy();
    rows.push(['first copy (all missing)', berthFirst, skopeoFirst, total / berthFirst, total / skopeoFirst]);
    rows.push(['second copy (all present)', berthAgain, skopeoAgain, 0, 0]);
    console.log(
      `image: ${LAYERS} layers x ${LAYER_MIB} MiB = ${total} MiB; source Berth -> CNCF Distribution, loopback`,
    );
    console.log(
      '| copy | Berth replication (s) | skopeo copy (s) | Berth MiB/s | skopeo MiB/s | ratio (skopeo time / Berth time) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [name, b, s, bm, sm] of rows)
      console.log(
        `| ${name} | ${b.toFixed(2)} | ${s.toFixed(2)} | ${bm ? bm.toFixed(0) : '-'} | ${sm ? sm.toFixed(0) : '-'} | ${(s / b).toFixed(2)}x |`,
      );
  } finally {
    await Promise.all([source.cleanup(), forBerth.cleanup(), forSkopeo.cleanup()]);
  }
}

await main();
