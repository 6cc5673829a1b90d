/**
 * Replication through a proxy in front of CNCF Distribution that records
 * every request and injects faults: blobs the target already holds in
 * another repository are mounted, not uploaded; a 500 in the middle of a
 * chunked upload is survived; a target that answers a wrong manifest digest
 * never gets the task marked done.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../support/oci.ts';
import { apiOf, finished, idOf, targetClient, until } from './support.ts';

interface Seen {
  method: string;
  url: string;
  status: number;
}

class FaultProxy {
  readonly seen: Seen[] = [];
  /** Answers instead of the target when it returns a status. */
  fault: ((method: string, url: string) => number | null) | null = null;
  /** Rewrites the Docker-Content-Digest of every manifest answer (PUT, HEAD, GET). */
  wrongManifestDigest = false;
  private server: Server | null = null;
  port = 0;

  async start(targetPort: number): Promise<void> {
    this.server = createServer((req, res) => {
      const method = req.method ?? '';
      const url = req.url ?? '';
      const injected = this.fault?.(method, url) ?? null;
      if (injected) {
        req.resume();
        req.on('end', () => {
          this.seen.push({ method, url, status: injected });
          res.writeHead(injected, { 'content-type': 'application/json' });
          res.end('{"errors":[{"code":"UNKNOWN","message":"injected"}]}');
        });
        return;
      }
      const up = request({ host: '127.0.0.1', port: targetPort, method, path: url, headers: req.headers }, (r) => {
        this.seen.push({ method, url, status: r.statusCode ?? 0 });
        const headers = { ...r.headers };
        if (this.wrongManifestDigest && url.includes('/manifests/') && headers['docker-content-digest'])
          headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
        res.writeHead(r.statusCode ?? 502, headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('replication through a fault-injecting proxy', () => {
  let berth: RunningBerth;
  let distribution: RegistryServer;
  const proxy = new FaultProxy();
  const api = apiOf(() => berth);
  let registryId = 0;
  const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

  before(async () => {
    Object.assign(process.env, env, {
      BERTH_REPLICATION_RETRY_MS: '200',
      BERTH_REPLICATION_RETRY_MAX_MS: '400',
      BERTH_REPLICATION_ATTEMPTS: '3',
      BERTH_REPLICATION_CHUNK_BYTES: String(1024 * 1024),
    });
    [berth, distribution] = await Promise.all([startInProcess({ env }), startServer({ kind: 'distribution' })]);
    await proxy.start(distribution.port);
    const reg = await api('POST', '/registries', {
      name: 'proxied',
      type: 'docker-registry',
      url: `http://127.0.0.1:${proxy.port}`,
    });
    assert.equal(reg.status, 201, reg.text);
    registryId = idOf(reg);
  });
  after(async () => {
    delete process.env.BERTH_REPLICATION_ATTEMPTS;
    delete process.env.BERTH_REPLICATION_CHUNK_BYTES;
    await berth?.stop();
    await proxy.stop();
    await distribution?.cleanup();
  });

  const policy = async (name: string, namespace: string, extra: Record<string, unknown> = {}) => {
    const res = await api('POST', '/replication/policies', {
      name,
      dest_registry: { id: registryId },
      dest_namespace: namespace,
      dest_namespace_replace_count: 1,
      filters: [{ type: 'name', value: 'src/**' }],
      ...extra,
    });
    assert.equal(res.status, 201, res.text);
    return idOf(res);
  };
  const runOf = async (policyId: number) =>
    finished(api, idOf(await api('POST', '/replication/executions', { policy_id: policyId })));

  it('mounts what the target holds elsewhere and survives a 500 in the middle of a chunked upload', async () => {
    const oci = new RegistryClient(berth.url);
    const config = configBlob();
    const layer = randomBlob(3 * 1024 * 1024 + 5);
    await oci.pushBlobs('src/app', config, layer);
    const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
    assert.equal((await oci.pushManifest('src/app', '1', m)).status, 201);

    // The second chunk PATCH of the first copy fails once with a 500.
    let patches = 0;
    proxy.fault = (method, url) => (method === 'PATCH' && url.includes('/uploads/') && ++patches === 2 ? 500 : null);
    const first = await runOf(await policy('chunked', 'one', { copy_by_chunk: true }));
    const firstTasks = await api('GET', `/replication/executions/${first.id}/tasks`);
    const firstLog = await api('GET', `/replication/executions/${first.id}/tasks/${firstTasks.json[0].id}/log`);
    assert.equal(first.status, 'Succeed', `${JSON.stringify(first)}\n${firstLog.text}\n${JSON.stringify(proxy.seen)}`);
    assert.ok(
      proxy.seen.some((s) => s.method === 'PATCH' && s.status === 500),
      'the fault was hit',
    );
    proxy.fault = null;

    // Another namespace: the blobs are at the target already (in one/app), so they are mounted, not sent.
    proxy.seen.length = 0;
    const second = await runOf(await policy('mounting', 'two'));
    assert.equal(second.status, 'Succeed', JSON.stringify(second));
    assert.equal(second.bytes, 0, 'no blob byte sent');
    const mounts = proxy.seen.filter((s) => s.method === 'POST' && s.url.includes('mount='));
    assert.equal(mounts.length, 2, JSON.stringify(proxy.seen));
    assert.ok(mounts.every((s) => s.status === 201 && s.url.includes('from=one%2Fapp')));
    assert.ok(!proxy.seen.some((s) => s.method === 'PATCH' || (s.method === 'PUT' && s.url.includes('/uploads/'))));
  });

  it('never marks done a manifest the target stored under another digest', async () => {
    proxy.wrongManifestDigest = true;
    try {
      const run = await runOf(await policy('lying-target', 'three'));
      const t = (await api('GET', `/replication/executions/${run.id}/tasks`)).json[0];
      const text = (await api('GET', `/replication/executions/${run.id}/tasks/${t.id}/log`)).text;
      assert.equal(run.status, 'Failed', `${JSON.stringify(run)}\n${text}`);
      const tasks = await api('GET', `/replication/executions/${run.id}/tasks`);
      assert.equal(tasks.json[0].status, 'Failed');
      assert.equal(tasks.json[0].attempts, 3);
      const log = await api('GET', `/replication/executions/${run.id}/tasks/${tasks.json[0].id}/log`);
      assert.match(log.text, /did not arrive byte-identical/);
      assert.match(log.text, /retrying/);
    } finally {
      proxy.wrongManifestDigest = false;
    }
  });

  it('stops a running execution at its next chunk', async () => {
    const oci = new RegistryClient(berth.url);
    const config = configBlob();
    const layer = randomBlob(4 * 1024 * 1024);
    await oci.pushBlobs('src/slow', config, layer);
    const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
    assert.equal((await oci.pushManifest('src/slow', '1', m)).status, 201);
    // 512 KB/s: the 4 MiB layer takes about 8 s.
    const id = await policy('slow', 'four', {
      copy_by_chunk: true,
      speed: 512,
      filters: [{ type: 'name', value: 'src/slow' }],
    });
    const started = await api('POST', '/replication/executions', { policy_id: id });
    const executionId = idOf(started);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api('PUT', `/replication/executions/${executionId}`)).status, 200);
    const done = await finished(api, executionId, 10_000);
    assert.equal(done.status, 'Stopped');
    const tasks = await api('GET', `/replication/executions/${executionId}/tasks`);
    assert.equal(tasks.json[0].status, 'Stopped');
    await new Promise((r) => setTimeout(r, 3000));
    const client = targetClient(`http://127.0.0.1:${proxy.port}`);
    try {
      assert.equal(await client.headBlob('four/slow', layer.digest), null, 'the copy did not go on');
    } finally {
      client.close();
    }
  });

  it('runs a scheduled policy on its cron, once per tick', async () => {
    const id = await policy('every-two-seconds', 'five', {
      trigger: { type: 'scheduled', trigger_settings: { cron: '*/2 * * * * *' } },
      filters: [{ type: 'name', value: 'src/app' }],
    });
    const runs = await until(
      'two scheduled executions',
      async () => {
        const list = await api('GET', `/replication/executions?policy_id=${id}&trigger=scheduled`);
        return list.json.length >= 2 ? list.json : null;
      },
      15_000,
    );
    const shown = await api('GET', `/replication/policies/${id}`);
    assert.equal((await api('PUT', `/replication/policies/${id}`, { ...shown.json, enabled: false })).status, 200);
    const starts = runs.map((r: { start_time: string }) => Date.parse(r.start_time)).sort();
    assert.ok(starts[1] - starts[0] >= 1500, `one execution per tick: ${starts}`);
    const first = await finished(api, runs.at(-1).id);
    assert.equal(first.status, 'Succeed', JSON.stringify(first));
  });
});
