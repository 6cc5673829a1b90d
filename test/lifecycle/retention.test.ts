/**
 * Tag retention through Harbor's /retentions API, in process, on SQLite and
 * (when BERTH_TEST_PG is not "off") PostgreSQL: OR'd rules, dry run, real run
 * (history says "retention"), immutable tags never removed, untagged
 * handling, label selectors, 409 on a second execution, 400 naming fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
import { createTestDatabase } from '../support/postgres.ts';

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(`/api/v2.0${path}`, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers vary by endpoint
  return { status: res.status, headers: res.headers, text, json: json as any };
}

const idOf = (location: string | null) => Number(location?.split('/').pop());

const rule = (template: string, n: number | null, tags = '**', extras?: string) => ({
  disabled: false,
  action: 'retain',
  template,
  params: n === null ? {} : { [template]: n },
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tags, ...(extras ? { extras } : {}) }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});

const policy = (ref: number, rules: unknown[], cron = '') => ({
  algorithm: 'or',
  rules,
  trigger: { kind: 'Schedule', settings: { cron } },
  scope: { level: 'project', ref },
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`tag retention (${dialect})`, () => {
    let server: RunningBerth;
    let client: RegistryClient;
    let drop: (() => Promise<void>) | undefined;
    let project: number;
    before(async () => {
      let env: NodeJS.ProcessEnv = {};
      if (dialect === 'postgres') {
        const db = await createTestDatabase();
        drop = db.drop;
        env = { BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url };
      }
      server = await startInProcess({ env });
      client = new RegistryClient(server.url);
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'ret' })).status, 201);
      project = (await api(server.url, 'GET', '/projects/ret')).json.project_id;
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    const waitExecution = async (id: number, eid: number) => {
      for (let i = 0; i < 200; i++) {
        const list = await api(server.url, 'GET', `/retentions/${id}/executions`);
        const e = list.json.find((x: { id: number }) => x.id === eid);
        if (e && e.status !== 'Running') return e;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('retention execution did not finish');
    };

    const execute = async (id: number, dryRun: boolean) => {
      const r = await api(server.url, 'POST', `/retentions/${id}/executions`, { dry_run: dryRun });
      assert.equal(r.status, 201, r.text);
      const eid = idOf(r.headers.get('location'));
      const e = await waitExecution(id, eid);
      assert.equal(e.status, 'Success');
      assert.equal(e.dry_run, dryRun);
      const tasks = await api(server.url, 'GET', `/retentions/${id}/executions/${eid}/tasks`);
      assert.equal(tasks.status, 200);
      const logs = await Promise.all(
        tasks.json.map(
          async (t: { id: number }) =>
            (await api(server.url, 'GET', `/retentions/${id}/executions/${eid}/tasks/${t.id}`)).text,
        ),
      );
      return { eid, tasks: tasks.json, log: logs.join('') };
    };

    test('metadatas list the five templates and the selectors', async () => {
      const r = await api(server.url, 'GET', '/retentions/metadatas');
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.json.templates.map((t: { rule_template: string }) => t.rule_template),
        ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always'],
      );
      assert.ok(r.json.tag_selectors.some((s: { kind: string }) => s.kind === 'label'));
    });

    test('bad input is 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [policy(project, [rule('latestPushedK', 1)], '0 61 * * * *'), 'trigger.settings.cron'],
        [policy(project, [rule('newestK', 1)]), 'rules[0].template'],
        [policy(project, [rule('latestPushedK', -1)]), 'rules[0].params.latestPushedK'],
        [policy(project, [rule('always', null, 'v{1')]), 'rules[0].tag_selectors[0].pattern'],
        [policy(999_999, [rule('always', null)]), 'scope.ref'],
        [{ ...policy(project, [rule('always', null)]), algorithm: 'and' }, 'algorithm'],
      ];
      for (const [body, field] of cases) {
        const r = await api(server.url, 'POST', '/retentions', body);
        assert.equal(r.status, 400, `${field}: ${r.text}`);
        assert.equal(r.json.errors[0].field, field, r.text);
      }
    });

    test('keep the latest 2 (OR always v1*): dry run lists, real run removes, immutable never removed', async () => {
      const v1 = await client.pushImage('ret/app', 'v1', 1);
      const v2 = await client.pushImage('ret/app', 'v2', 1);
      const old = await client.pushImage('ret/app', 'old', 1);
      const v3 = await client.pushImage('ret/app', 'v3', 1);
      const v4 = await client.pushImage('ret/app', 'v4', 1);
      // Untagged (pushed by digest): removed unless a selector asks for untagged artifacts.
      const c = configBlob();
      const layer = randomBlob(200);
      await client.pushBlobs('ret/app', c, layer);
      const loose = imageManifest({ config: descriptor(c, OCI_CONFIG), layers: [descriptor(layer, OCI_LAYER_GZIP)] });
      await client.pushManifest('ret/app', loose.digest, loose);
      assert.equal(
        (
          await api(server.url, 'POST', '/projects/ret/immutabletagrules', {
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'old' }],
          })
        ).status,
        201,
      );

      const created = await api(
        server.url,
        'POST',
        '/retentions',
        policy(project, [rule('latestPushedK', 2), rule('always', null, 'v1')], '0 0 3 * * *'),
      );
      assert.equal(created.status, 201, created.text);
      const id = idOf(created.headers.get('location'));
      const p = await api(server.url, 'GET', '/projects/ret');
      assert.equal(p.json.metadata.retention_id, String(id));
      const got = await api(server.url, 'GET', `/retentions/${id}`);
      assert.equal(got.json.rules.length, 2);
      assert.equal(got.json.trigger.settings.cron, '0 0 3 * * *');
      assert.equal(got.json.scope.ref, project);
      const second = await api(server.url, 'POST', '/retentions', policy(project, [rule('always', null)]));
      assert.equal(second.status, 409);

      const dry = await execute(id, true);
      assert.equal(dry.tasks[0].repository, 'ret/app');
      assert.equal(dry.tasks[0].total, 6);
      assert.equal(dry.tasks[0].retained, 4);
      assert.match(dry.log, new RegExp(`would remove +${v2.manifest.digest} v2`));
      assert.match(dry.log, new RegExp(`would remove +${loose.digest} <untagged>`));
      assert.match(
        dry.log,
        new RegExp(`retained +${old.manifest.digest} old \\(immutable: tag old matches immutable tag rule \\d+\\)`),
      );
      assert.match(dry.log, new RegExp(`retained +${v1.manifest.digest} v1 \\(rule 2 always\\)`));
      assert.match(dry.log, new RegExp(`retained +${v4.manifest.digest} v4 \\(rule 1 latestPushedK=2\\)`));
      assert.equal((await client.head(`/v2/ret/app/manifests/v2`)).status, 200, 'a dry run removed');

      const real = await execute(id, false);
      assert.match(real.log, new RegExp(`removed +${v2.manifest.digest}`));
      assert.equal((await client.head(`/v2/ret/app/manifests/v2`)).status, 404);
      assert.equal((await client.head(`/v2/ret/app/manifests/${loose.digest}`)).status, 404);
      for (const t of ['v1', 'old', 'v3', 'v4'])
        assert.equal((await client.head(`/v2/ret/app/manifests/${t}`)).status, 200, t);
      void v3;
      const history = await api(server.url, 'GET', '/projects/ret/repositories/app/tags/v2/history');
      assert.equal(history.json[0].operation, 'retention');
      assert.equal(history.json[0].actor, 'retention');

      const executions = await api(server.url, 'GET', `/retentions/${id}/executions`);
      assert.equal(executions.json.length, 2);
      assert.equal(executions.json[0].policy_id, id);
      assert.ok(executions.json[0].end_time);

      // Untagged kept when asked; updating keeps the id.
      const put = await api(
        server.url,
        'PUT',
        `/retentions/${id}`,
        policy(project, [rule('always', null, '**', '{"untagged":true}')]),
      );
      assert.equal(put.status, 200, put.text);
      await client.pushManifest('ret/app', loose.digest, loose);
      const keepAll = await execute(id, false);
      assert.equal(keepAll.tasks[0].retained, keepAll.tasks[0].total);
      assert.equal((await client.head(`/v2/ret/app/manifests/${loose.digest}`)).status, 200);
    });

    test('a second execution while one runs is 409; stop ends it', async () => {
      const id = Number((await api(server.url, 'GET', '/projects/ret')).json.metadata.retention_id);
      const running = await server.berth.lifecycle.retention.store.createExecution(id, 'Manual', true);
      assert.ok(running);
      const r = await api(server.url, 'POST', `/retentions/${id}/executions`, { dry_run: true });
      assert.equal(r.status, 409, r.text);
      const bad = await api(server.url, 'PATCH', `/retentions/${id}/executions/${running.id}`, { action: 'pause' });
      assert.equal(bad.status, 400);
      const stop = await api(server.url, 'PATCH', `/retentions/${id}/executions/${running.id}`, { action: 'stop' });
      assert.equal(stop.status, 200);
      const list = await api(server.url, 'GET', `/retentions/${id}/executions`);
      assert.equal(list.json.find((e: { id: number }) => e.id === running.id).status, 'Stopped');
    });

    test('a cron schedule fires an execution once (trigger Schedule)', async () => {
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'cron' })).status, 201);
      const ref = (await api(server.url, 'GET', '/projects/cron')).json.project_id;
      const created = await api(server.url, 'POST', '/retentions', policy(ref, [rule('always', null)], '0 30 2 * * *'));
      const id = idOf(created.headers.get('location'));
      const at = new Date('2030-01-02T02:30:10Z');
      await server.berth.lifecycle.tick(at);
      await server.berth.lifecycle.tick(at);
      await server.berth.lifecycle.retention.idle();
      const list = await api(server.url, 'GET', `/retentions/${id}/executions`);
      assert.equal(list.json.length, 1, list.text);
      assert.equal(list.json[0].trigger, 'Schedule');
      assert.equal(list.json[0].dry_run, false);
    });

    test('label selectors: an artifact with the label is retained', async () => {
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'lab' })).status, 201);
      const labProject = (await api(server.url, 'GET', '/projects/lab')).json.project_id;
      const a = await client.pushImage('lab/x', 'a', 1);
      await client.pushImage('lab/x', 'b', 1);
      const label = await api(server.url, 'POST', '/labels', { name: 'keep', scope: 'g' });
      assert.equal(label.status, 201, label.text);
      const labelId = idOf(label.headers.get('location'));
      const attach = await api(
        server.url,
        'POST',
        `/projects/lab/repositories/x/artifacts/${a.manifest.digest}/labels`,
        {
          id: labelId,
        },
      );
      assert.equal(attach.status, 200, attach.text);
      const created = await api(server.url, 'POST', '/retentions', {
        ...policy(labProject, [
          {
            ...rule('always', null),
            tag_selectors: [
              { kind: 'doublestar', decoration: 'matches', pattern: '**' },
              { kind: 'label', decoration: 'withLabels', pattern: 'keep' },
            ],
          },
        ]),
      });
      assert.equal(created.status, 201, created.text);
      const run = await execute(idOf(created.headers.get('location')), false);
      assert.equal(run.tasks[0].retained, 1);
      assert.equal((await client.head('/v2/lab/x/manifests/a')).status, 200);
      assert.equal((await client.head('/v2/lab/x/manifests/b')).status, 404);
      const del = await api(server.url, 'DELETE', `/retentions/${idOf(created.headers.get('location'))}`);
      assert.equal(del.status, 200);
      assert.equal((await api(server.url, 'GET', '/projects/lab')).json.metadata.retention_id, undefined);
    });
  });
}

describe('berth retention show|run', () => {
  test('shows the policy, runs a dry run then a real one with a summary', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-retention-cli-'));
    const server = await startInProcess({ dataDir });
    try {
      const client = new RegistryClient(server.url);
      await api(server.url, 'POST', '/projects', { project_name: 'cli' });
      const ref = (await api(server.url, 'GET', '/projects/cli')).json.project_id;
      for (const t of ['a', 'b', 'c']) await client.pushImage('cli/app', t, 1);
      assert.equal((await api(server.url, 'POST', '/retentions', policy(ref, [rule('latestPushedK', 1)]))).status, 201);
    } finally {
      await server.stop();
    }
    const berth = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', dataDir], {
        env: { ...process.env, BERTH_AUTH: 'off' },
      });
    try {
      const dry = await berth('retention', 'run', 'cli', '--dry-run');
      assert.match(dry.stdout, /Success; 1 repositories, 1 of 3 artifacts retained, would remove 2 in/);
      const real = await berth('retention', 'run', 'cli');
      assert.match(real.stdout, /removed 2 in/);
      const again = await berth('retention', 'show', 'cli');
      assert.match(again.stdout, /rule 1 latestPushedK=1: repositories repoMatches \*\*; tags matches \*\*/);
      assert.match(again.stdout, /execution 2 Success Manual/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
