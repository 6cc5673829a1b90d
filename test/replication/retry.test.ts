/**
 * Retrying an ended execution (POST /replication/executions/{id}/retry, the
 * console's "Retry failed"): a push-based run against a target that is not
 * there fails; once the registry points at a real CNCF Distribution, the
 * retry runs the failed tasks again as a new execution and succeeds. Each
 * ended execution is reported to the project's REPLICATION webhook.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { RegistryClient } from '../support/oci.ts';
import { apiOf, finished, idOf, targetClient, until } from './support.ts';

describe('replication retry', () => {
  let berth: RunningBerth;
  let distribution: RegistryServer;
  const api = apiOf(() => berth);
  const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };
  const hooks: { type: string; event_data: { replication: { job_status: string; execution_id: number } } }[] = [];
  let receiver: Server;

  before(async () => {
    Object.assign(process.env, env, { BERTH_REPLICATION_ATTEMPTS: '1' });
    [berth, distribution] = await Promise.all([startInProcess({ env }), startServer({ kind: 'distribution' })]);
    const project = await api('POST', '/projects', { project_name: 'again', metadata: { public: 'false' } });
    assert.equal(project.status, 201, project.text);
    const oci = new RegistryClient(berth.url);
    await oci.pushImage('again/app', '1', 1);
    await oci.pushImage('again/app', '2', 1);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        hooks.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = await api('POST', '/projects/again/webhook/policies', {
      name: 'replication',
      event_types: ['REPLICATION'],
      targets: [{ type: 'http', address: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` }],
    });
    assert.equal(hook.status, 201, hook.text);
  });
  after(async () => {
    delete process.env.BERTH_REPLICATION_ATTEMPTS;
    receiver?.close();
    await Promise.all([berth?.stop(), distribution?.cleanup()]);
  });

  it('runs the failed tasks again as a new execution', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const made = await api('POST', '/registries', { name: 'later', type: 'docker-registry', url: dead });
    assert.equal(made.status, 201, made.text);
    const registry = idOf(made);
    const policy = await api('POST', '/replication/policies', {
      name: 'again',
      dest_registry: { id: registry },
      filters: [{ type: 'name', value: 'again/**' }],
    });
    assert.equal(policy.status, 201, policy.text);
    const first = await finished(api, idOf(await api('POST', '/replication/executions', { policy_id: idOf(policy) })));
    assert.equal(first.status, 'Failed', JSON.stringify(first));
    assert.equal(first.failed, 2);

    const moved = await api('PUT', `/registries/${registry}`, { url: distribution.url });
    assert.equal(moved.status, 200, moved.text);
    const retried = await api('POST', `/replication/executions/${first.id}/retry`);
    assert.equal(retried.status, 201, retried.text);
    const second = await finished(api, idOf(retried));
    assert.equal(second.status, 'Succeed', JSON.stringify(second));
    assert.equal(second.total, 2);
    const client = targetClient(distribution.url);
    try {
      assert.deepEqual((await client.tags('again/app')).sort(), ['1', '2']);
    } finally {
      client.close();
    }
    const still = await api('GET', `/replication/executions/${first.id}`);
    assert.equal(still.json.status, 'Failed', 'the first keeps its history');
    assert.equal((await api('POST', '/replication/executions/999/retry')).status, 404);
    await until('both REPLICATION webhooks', async () => hooks.length >= 2);
    const statuses = hooks.map((h) => [
      h.type,
      h.event_data.replication.execution_id,
      h.event_data.replication.job_status,
    ]);
    assert.deepEqual(statuses.sort(), [
      ['REPLICATION', first.id, 'Failed'],
      ['REPLICATION', second.id, 'Succeed'],
    ]);
  });
});
