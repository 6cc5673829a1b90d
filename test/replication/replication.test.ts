/**
 * Replication through the management API of an in-process Berth against
 * real targets the test starts: CNCF Distribution and a second Berth with
 * token auth. Push-based, pull-based, event-based (push and delete), a push
 * while the target is down (replicated once it is back, across a restart of
 * Berth), only missing blobs sent, override, and 400s naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  configBlob,
  descriptor,
  emptyConfig,
  imageManifest,
  indexManifest,
  manifestDescriptor,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_LAYER_GZIP,
  RegistryClient,
  randomBlob,
} from '../support/oci.ts';
import { apiOf, finished, idOf, PASSWORD, targetClient, until } from './support.ts';

describe('replication', () => {
  let berth: RunningBerth;
  let distribution: RegistryServer;
  let tokenBerth: RegistryServer;
  const api = apiOf(() => berth);
  let distributionId = 0;
  let tokenBerthId = 0;
  const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

  before(async () => {
    Object.assign(process.env, env, { BERTH_REPLICATION_RETRY_MS: '300', BERTH_REPLICATION_RETRY_MAX_MS: '1000' });
    [berth, distribution, tokenBerth] = await Promise.all([
      startInProcess({ env }),
      startServer({ kind: 'distribution' }),
      startServer({ kind: 'berth', env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD } }),
    ]);
    const d = await api('POST', '/registries', {
      name: 'distribution',
      type: 'docker-registry',
      url: distribution.url,
    });
    assert.equal(d.status, 201, d.text);
    distributionId = idOf(d);
    const t = await api('POST', '/registries', {
      name: 'second-berth',
      type: 'harbor',
      url: tokenBerth.url,
      credential: { type: 'basic', access_key: 'admin', access_secret: PASSWORD },
    });
    assert.equal(t.status, 201, t.text);
    tokenBerthId = idOf(t);
  });
  after(async () => {
    await Promise.all([berth?.stop(), distribution?.cleanup(), tokenBerth?.cleanup()]);
  });

  it('refuses bad policies with a 400 naming the field', async () => {
    const base = { name: 'bad', dest_registry: { id: distributionId }, trigger: { type: 'manual' } };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, dest_registry: { id: 999 } }, 'dest_registry.id'],
      [{ ...base, filters: [{ type: 'name', value: 'lib/{a' }] }, 'filters[0].value'],
      [{ ...base, filters: [{ type: 'colour', value: 'red' }] }, 'filters[0].type'],
      [
        { ...base, trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 25 * * *' } } },
        'trigger.trigger_settings.cron',
      ],
      [{ ...base, trigger: { type: 'sometimes' } }, 'trigger.type'],
      [{ ...base, dest_registry: null }, 'dest_registry'],
      [{ ...base, speed: 'fast' }, 'speed'],
      [{ dest_registry: { id: distributionId } }, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/replication/policies', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.errors[0].field, field, res.text);
    }
    const start = await api('POST', '/replication/executions', { policy_id: 4242 });
    assert.equal(start.status, 400);
    assert.equal(start.json.errors[0].field, 'policy_id');
  });

  it('push-based: an image, a multi-arch index with a referrer, byte-identical at Distribution; a second run sends nothing', async () => {
    const oci = new RegistryClient(berth.url);
    const { manifest: app } = await oci.pushImage('lib/app', '1.0', 2);
    // A two-platform index, its children pushed by digest, and an SBOM referring to the index.
    const children = [];
    for (const arch of ['amd64', 'arm64']) {
      const config = configBlob();
      const layer = randomBlob(2048);
      await oci.pushBlobs('lib/multi', config, layer);
      const m = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
      assert.equal((await oci.pushManifest('lib/multi', m.digest, m)).status, 201);
      children.push(manifestDescriptor(m, { platform: { os: 'linux', architecture: arch } } as never));
    }
    const index = indexManifest({ manifests: children });
    assert.equal((await oci.pushManifest('lib/multi', '2.0', index)).status, 201);
    const sbomLayer = randomBlob(300);
    await oci.pushBlobs('lib/multi', emptyConfig, sbomLayer);
    const sbom = imageManifest({
      config: descriptor(emptyConfig, OCI_EMPTY),
      layers: [descriptor(sbomLayer, 'application/spdx+json')],
      artifactType: 'application/spdx+json',
      subject: manifestDescriptor(index),
    });
    assert.equal((await oci.pushManifest('lib/multi', sbom.digest, sbom)).status, 201);

    const created = await api('POST', '/replication/policies', {
      name: 'to-distribution',
      src_registry: null,
      dest_registry: { id: distributionId },
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      filters: [
        { type: 'name', value: 'lib/**' },
        { type: 'tag', value: '{1.0,2.0}' },
      ],
      trigger: { type: 'manual' },
      override: true,
      enabled: true,
    });
    assert.equal(created.status, 201, created.text);
    const policyId = idOf(created);
    const shown = await api('GET', `/replication/policies/${policyId}`);
    assert.equal(shown.json.src_registry.id, 0);
    assert.equal(shown.json.dest_registry.id, distributionId);
    assert.deepEqual(shown.json.trigger, { type: 'manual', trigger_settings: { cron: '' } });

    const run = await api('POST', '/replication/executions', { policy_id: policyId });
    assert.equal(run.status, 201, run.text);
    const execution = await finished(api, idOf(run));
    assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
    assert.equal(execution.total, 2);
    assert.equal(execution.succeed, 2);
    assert.ok(execution.bytes > 0);

    const target = targetClient(distribution.url);
    try {
      const appThere = await target.getManifest('mirror/app', '1.0');
      assert.equal(appThere?.bytes.equals(app.bytes), true, 'the image manifest is byte-identical');
      const indexThere = await target.getManifest('mirror/multi', '2.0');
      assert.equal(indexThere?.bytes.equals(index.bytes), true, 'the index is byte-identical');
      for (const child of children) assert.ok(await target.headManifest('mirror/multi', child.digest));
      const sbomThere = await target.getManifest('mirror/multi', sbom.digest);
      assert.equal(sbomThere?.bytes.equals(sbom.bytes), true, 'the referrer came along');
      assert.equal(await target.headBlob('mirror/multi', sbomLayer.digest), sbomLayer.size);
    } finally {
      target.close();
    }

    const tasks = await api('GET', `/replication/executions/${idOf(run)}/tasks`);
    assert.equal(tasks.json.length, 2);
    const multiTask = tasks.json.find((t: { src_resource: string }) => t.src_resource === 'lib/multi:2.0');
    assert.equal(multiTask.dst_resource, 'mirror/multi:2.0');
    assert.equal(multiTask.status, 'Succeed');
    const log = await api('GET', `/replication/executions/${idOf(run)}/tasks/${multiTask.id}/log`);
    assert.match(log.text, /pushed manifest mirror\/multi:2\.0/);

    // Again: everything is there, so no blob byte is sent.
    const again = await api('POST', '/replication/executions', { policy_id: policyId });
    const second = await finished(api, idOf(again));
    assert.equal(second.status, 'Succeed');
    assert.equal(second.bytes, 0, 'a second run sends no blob');

    // override: false leaves a different manifest at the target alone.
    await oci.pushImage('lib/app', '1.0', 1);
    const put = await api('PUT', `/replication/policies/${policyId}`, { ...shown.json, override: false });
    assert.equal(put.status, 200, put.text);
    const third = await finished(api, idOf(await api('POST', '/replication/executions', { policy_id: policyId })));
    assert.equal(third.status, 'Failed');
    assert.equal(third.failed, 1);
    const client = targetClient(distribution.url);
    try {
      assert.equal((await client.getManifest('mirror/app', '1.0'))?.bytes.equals(app.bytes), true, 'not overwritten');
    } finally {
      client.close();
    }
  });

  it('pull-based: from Distribution into this Berth', async () => {
    const created = await api('POST', '/replication/policies', {
      name: 'from-distribution',
      src_registry: { id: distributionId },
      dest_registry: { id: 0 },
      dest_namespace: 'pulled',
      filters: [{ type: 'name', value: 'mirror/multi' }],
      trigger: { type: 'manual' },
    });
    assert.equal(created.status, 201, created.text);
    const execution = await finished(
      api,
      idOf(await api('POST', '/replication/executions', { policy_id: idOf(created) })),
    );
    assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
    const oci = new RegistryClient(berth.url);
    const here = await oci.request('GET', '/v2/pulled/multi/manifests/2.0', {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    });
    assert.equal(here.status, 200);
    const target = targetClient(distribution.url);
    try {
      const there = await target.getManifest('mirror/multi', '2.0');
      assert.equal(Buffer.from(here.body).equals(there!.bytes), true);
    } finally {
      target.close();
    }
  });

  it('event-based to a Berth with token auth: a push appears within seconds, a delete follows', async () => {
    const created = await api('POST', '/replication/policies', {
      name: 'events-to-berth',
      dest_registry: { id: tokenBerthId },
      filters: [{ type: 'name', value: 'ev/**' }],
      trigger: { type: 'event_based' },
      replicate_deletion: true,
    });
    assert.equal(created.status, 201, created.text);
    const oci = new RegistryClient(berth.url);
    const started = Date.now();
    const { manifest } = await oci.pushImage('ev/app', 'v1', 2);
    const target = targetClient(tokenBerth.url, true);
    try {
      await until(
        'the push at the second Berth',
        async () => (await target.headManifest('ev/app', 'v1'))?.digest === manifest.digest,
        10_000,
      );
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds < 10, `replicated in ${seconds} s`);
      const del = await oci.request('DELETE', `/v2/ev/app/manifests/${manifest.digest}`);
      assert.equal(del.status, 202);
      await until(
        'the delete at the second Berth',
        async () => (await target.headManifest('ev/app', manifest.digest)) === null,
        10_000,
      );
    } finally {
      target.close();
    }
    const list = await api('GET', `/replication/executions?policy_id=${idOf(created)}`);
    assert.ok(list.json.every((e: { trigger: string }) => e.trigger === 'event_based'));
    assert.equal(list.json.length, 2);
  });

  it('a push made while the target is down is replicated when it is back, across a restart of Berth', async () => {
    const created = await api('POST', '/replication/policies', {
      name: 'events-to-distribution',
      dest_registry: { id: distributionId },
      filters: [{ type: 'name', value: 'down/**' }],
      trigger: { type: 'event_based' },
    });
    assert.equal(created.status, 201, created.text);
    await distribution.crash();
    const oci = new RegistryClient(berth.url);
    const { manifest } = await oci.pushImage('down/app', 'v1', 1);
    const executionId = await until('the event execution', async () => {
      const list = await api('GET', `/replication/executions?policy_id=${idOf(created)}`);
      return list.json[0]?.id as number | undefined;
    });
    const task = await until('a failed attempt', async () => {
      const tasks = await api('GET', `/replication/executions/${executionId}/tasks`);
      const t = tasks.json[0];
      if (!t) return null;
      const log = await api('GET', `/replication/executions/${executionId}/tasks/${t.id}/log`);
      return /retrying/.test(log.text) ? t : null;
    });
    assert.equal(task.status, 'InProgress');

    // Berth restarts while the target is still down: the queued task is in the database.
    const dataDir = berth.dataDir;
    await berth.berth.close();
    berth = await startInProcess({ dataDir, env });
    await distribution.restart();
    const execution = await finished(api, executionId);
    assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
    const target = targetClient(distribution.url);
    try {
      assert.equal((await target.headManifest('down/app', 'v1'))?.digest, manifest.digest);
    } finally {
      target.close();
    }
  });
});
