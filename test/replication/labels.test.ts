/**
 * Label filters of replication policies (Harbor's semantics: `matches`
 * selects artifacts carrying every listed label, `excludes` those that do
 * not carry all of them) against a real CNCF Distribution target: manual
 * push-based runs, an event-based run after labelling, and a pull-based run
 * from Distribution, whose artifacts carry no labels Berth can see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { RegistryClient } from '../support/oci.ts';
import { apiOf, finished, idOf, targetClient, until } from './support.ts';

describe('replication label filters', () => {
  let berth: RunningBerth;
  let distribution: RegistryServer;
  const api = apiOf(() => berth);
  let target = 0;
  const labels: Record<string, number> = {};
  const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

  before(async () => {
    Object.assign(process.env, env);
    [berth, distribution] = await Promise.all([startInProcess({ env }), startServer({ kind: 'distribution' })]);
    const d = await api('POST', '/registries', { name: 'dist', type: 'docker-registry', url: distribution.url });
    assert.equal(d.status, 201, d.text);
    target = idOf(d);
    const oci = new RegistryClient(berth.url);
    for (const tag of ['both', 'prod-only', 'none']) await oci.pushImage('lab/app', tag, 1);
    for (const name of ['prod', 'approved']) {
      const made = await api('POST', '/labels', { name, scope: 'g' });
      assert.equal(made.status, 201, made.text);
      labels[name] = idOf(made);
    }
    const attach = async (tag: string, label: string) => {
      const r = await api('POST', `/projects/lab/repositories/app/artifacts/${tag}/labels`, { id: labels[label] });
      assert.equal(r.status, 200, r.text);
    };
    await attach('both', 'prod');
    await attach('both', 'approved');
    await attach('prod-only', 'prod');
  });
  after(async () => {
    await Promise.all([berth?.stop(), distribution?.cleanup()]);
  });

  /** Runs a manual policy; returns the tags that arrived under `namespace`. */
  const run = async (namespace: string, filter: Record<string, unknown>, pull = false) => {
    const created = await api('POST', '/replication/policies', {
      name: `labels-${namespace}`,
      ...(pull ? { src_registry: { id: target } } : { dest_registry: { id: target } }),
      dest_namespace: namespace,
      filters: [{ type: 'name', value: pull ? '**' : 'lab/**' }, filter],
      trigger: { type: 'manual' },
    });
    assert.equal(created.status, 201, created.text);
    const policy = await api('GET', `/replication/policies/${idOf(created)}`);
    const execution = await finished(
      api,
      idOf(await api('POST', '/replication/executions', { policy_id: idOf(created) })),
    );
    assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
    return { execution, policy: policy.json };
  };
  const tagsAt = async (repository: string) => {
    const client = targetClient(distribution.url);
    try {
      return (await client.tags(repository)).sort();
    } catch {
      return [];
    } finally {
      client.close();
    }
  };

  it('matches: only artifacts carrying every listed label; the policy shows the list as Harbor does', async () => {
    const { execution, policy } = await run('all', { type: 'label', value: ['prod', 'approved'] });
    assert.equal(execution.total, 1);
    assert.deepEqual(await tagsAt('all/app'), ['both']);
    const label = policy.filters.find((f: { type: string }) => f.type === 'label');
    assert.deepEqual(label, { type: 'label', value: ['prod', 'approved'], decoration: 'matches' });
    const one = await run('one', { type: 'label', value: ['prod'] });
    assert.equal(one.execution.total, 2);
    assert.deepEqual(await tagsAt('one/app'), ['both', 'prod-only']);
  });

  it('excludes: artifacts carrying all the listed labels stay behind', async () => {
    await run('rest', { type: 'label', value: ['prod'], decoration: 'excludes' });
    assert.deepEqual(await tagsAt('rest/app'), ['none']);
  });

  it('event-based: a push of a labelled digest under a new tag is replicated, an unlabelled one is not', async () => {
    const created = await api('POST', '/replication/policies', {
      name: 'labels-event',
      dest_registry: { id: target },
      dest_namespace: 'evt',
      filters: [{ type: 'label', value: ['approved'] }],
      trigger: { type: 'event_based' },
    });
    assert.equal(created.status, 201, created.text);
    const oci = new RegistryClient(berth.url);
    // Retagging pushes the same manifest bytes: the digest carries its labels already.
    for (const [from, to] of [
      ['both', 'release'],
      ['none', 'scratch'],
    ]) {
      const got = await oci.request('GET', `/v2/lab/app/manifests/${from}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const put = await oci.request('PUT', `/v2/lab/app/manifests/${to}`, {
        headers: { 'content-type': got.headers.get('content-type') ?? '' },
        body: Buffer.from(got.body),
      });
      assert.equal(put.status, 201);
    }
    await until('the labelled push at the target', async () => (await tagsAt('evt/app')).includes('release'));
    const runs = await api('GET', `/replication/executions?policy_id=${idOf(created)}`);
    assert.equal(runs.json.length, 1, 'no execution for the unlabelled push');
    assert.deepEqual(await tagsAt('evt/app'), ['release']);
  });

  it('pull-based from Distribution: its artifacts carry no labels, so matches selects nothing', async () => {
    const { execution } = await run('pulled', { type: 'label', value: ['prod'] }, true);
    assert.equal(execution.total, 0);
    const excluded = await run('pulled-rest', { type: 'label', value: ['prod'], decoration: 'excludes' }, true);
    assert.ok(excluded.execution.total > 0, 'excludes selects everything there');
  });
});
