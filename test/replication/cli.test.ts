/** `berth replication …` over a local data folder: list policies, queue a run the server then performs, read the log. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { RegistryClient } from '../support/oci.ts';
import { apiOf, finished, idOf } from './support.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function berthCli(args: string[], data: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args, '--data', data], {
      env: { ...process.env, BERTH_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('berth replication CLI', () => {
  let berth: RunningBerth;
  let distribution: RegistryServer;
  const api = apiOf(() => berth);
  const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

  before(async () => {
    Object.assign(process.env, env);
    [berth, distribution] = await Promise.all([startInProcess({ env }), startServer({ kind: 'distribution' })]);
  });
  after(async () => {
    await Promise.all([berth?.stop(), distribution?.cleanup()]);
  });

  it('lists policies, queues a run, shows executions and a task log', async () => {
    await new RegistryClient(berth.url).pushImage('cli/app', '1', 1);
    const reg = await api('POST', '/registries', { name: 'd', type: 'docker-registry', url: distribution.url });
    const created = await api('POST', '/replication/policies', {
      name: 'nightly',
      dest_registry: { id: idOf(reg) },
      filters: [{ type: 'name', value: 'cli/**' }],
      trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 3 * * *' } },
    });
    assert.equal(created.status, 201, created.text);

    const list = await berthCli(['replication', 'policies'], berth.dataDir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /nightly\s+local\s+registry \d+\s+scheduled 0 0 3 \* \* \*\s+yes/);

    const run = await berthCli(['replication', 'run', 'nightly'], berth.dataDir);
    assert.equal(run.code, 0, run.stderr);
    const executionId = Number(/execution (\d+) queued/.exec(run.stdout)?.[1]);
    const done = await finished(api, executionId);
    assert.equal(done.status, 'Succeed');

    const executions = await berthCli(['replication', 'executions'], berth.dataDir);
    assert.match(executions.stdout, new RegExp(`${executionId}\\s+\\d+\\s+Succeed\\s+manual\\s+1/1`));
    const tasks = await api('GET', `/replication/executions/${executionId}/tasks`);
    const log = await berthCli(['replication', 'log', String(executionId), String(tasks.json[0].id)], berth.dataDir);
    assert.match(log.stdout, /pushed manifest cli\/app:1/);

    const missing = await berthCli(['replication', 'run', 'nope'], berth.dataDir);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no replication policy nope/);
  });
});
