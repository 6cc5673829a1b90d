/**
 * A retention execution whose server process is killed (SIGKILL) in the
 * middle of its removals is resumed after a restart, on SQLite and
 * PostgreSQL (when BERTH_TEST_PG is not "off"): it ends Success, one task per
 * repository, every artifact logged exactly once (none removed twice), the
 * removals add up to what the policy asks, and every tag left still pulls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { RegistryClient } from '../support/oci.ts';
import { createTestDatabase } from '../support/postgres.ts';

const REPOSITORIES = ['a', 'b', 'c', 'd', 'e', 'f'];
const TAGS = 14;
const KEEP = 2;

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

const LINE = /^(retained|would remove|removed)\s+(sha256:[0-9a-f]{64}) /;

/** The (action, digest) lines of every task of an execution, and the tasks. */
async function logs(base: string, policy: number, execution: number) {
  const tasks = (await api(base, 'GET', `/retentions/${policy}/executions/${execution}/tasks?page_size=100`)).json as {
    id: number;
    repository: string;
    status: string;
  }[];
  const lines: { action: string; digest: string; repository: string }[] = [];
  for (const t of tasks ?? []) {
    const log = (await api(base, 'GET', `/retentions/${policy}/executions/${execution}/tasks/${t.id}`)).text;
    for (const l of log.split('\n')) {
      const m = LINE.exec(l);
      if (m) lines.push({ action: m[1], digest: m[2], repository: t.repository });
    }
  }
  return { tasks: tasks ?? [], lines };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`retention resumed after a kill (${dialect})`, {
    skip: dialect === 'postgres' && process.env.BERTH_TEST_PG === 'off',
  }, () => {
    let server: RegistryServer;
    let drop: (() => Promise<void>) | undefined;
    before(async () => {
      // A short lease: the restarted process takes the dead one's execution over within seconds.
      let env: Record<string, string> = { BERTH_LIFECYCLE_LEASE_SECONDS: '2' };
      if (dialect === 'postgres') {
        const db = await createTestDatabase();
        drop = db.drop;
        env = { ...env, BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url };
      }
      server = await startServer({ kind: 'berth', env });
    });
    after(async () => {
      await server?.cleanup();
      await drop?.();
    });

    test('killed mid-run, resumed on restart: nothing removed twice, no tag without its manifest', {
      timeout: 300_000,
    }, async () => {
      const client = new RegistryClient(server.url);
      assert.equal((await api(server.url, 'POST', '/projects', { project_name: 'rc' })).status, 201);
      const project = (await api(server.url, 'GET', '/projects/rc')).json.project_id;
      const pushed = new Map<string, string[]>();
      for (const r of REPOSITORIES) {
        const digests: string[] = [];
        for (let i = 0; i < TAGS; i++) digests.push((await client.pushImage(`rc/${r}`, `t${i}`, 1)).manifest.digest);
        pushed.set(r, digests);
      }
      const created = await api(server.url, 'POST', '/retentions', {
        algorithm: 'or',
        rules: [
          {
            disabled: false,
            action: 'retain',
            template: 'latestPushedK',
            params: { latestPushedK: KEEP },
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
          },
        ],
        trigger: { kind: 'Schedule', settings: { cron: '' } },
        scope: { level: 'project', ref: project },
      });
      assert.equal(created.status, 201, created.text);
      const policy = Number(created.headers.get('location')?.split('/').pop());

      const started = await api(server.url, 'POST', `/retentions/${policy}/executions`, { dry_run: false });
      assert.equal(started.status, 201, started.text);
      const execution = Number(started.headers.get('location')?.split('/').pop());
      // Kill as soon as a removal is counted (one cheap request per look): well before the last of 72.
      let seen = 0;
      for (let i = 0; i < 5000 && seen === 0; i++) {
        const tasks = (
          await api(server.url, 'GET', `/retentions/${policy}/executions/${execution}/tasks?page_size=100`)
        ).json as { total: number; retained: number }[];
        seen = tasks.reduce((n, t) => n + t.total - t.retained, 0);
      }
      await server.crash();
      const expectedRemovals = REPOSITORIES.length * (TAGS - KEEP);
      assert.ok(seen > 0 && seen < expectedRemovals, `killed after ${seen} of ${expectedRemovals} removals`);

      await server.restart();
      let status = '';
      for (let i = 0; i < 240 && status !== 'Success'; i++) {
        const list = await api(server.url, 'GET', `/retentions/${policy}/executions`);
        status = list.json.find((e: { id: number }) => e.id === execution)?.status ?? '';
        if (status === 'Running') await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(status, 'Success', server.output());

      const { tasks, lines } = await logs(server.url, policy, execution);
      assert.deepEqual(tasks.map((t) => t.repository).sort(), REPOSITORIES.map((r) => `rc/${r}`).sort());
      assert.ok(tasks.every((t) => t.status === 'Success'));
      const digests = lines.map((l) => l.digest);
      assert.equal(new Set(digests).size, digests.length, 'an artifact logged twice');
      assert.equal(digests.length, REPOSITORIES.length * TAGS, 'every artifact logged once');
      assert.equal(lines.filter((l) => l.action === 'removed').length, expectedRemovals);

      for (const r of REPOSITORIES) {
        // The latest KEEP pushes stay, tagged; every tag left resolves to a manifest that pulls.
        const tags = (await (await fetch(`${server.url}/v2/rc/${r}/tags/list`)).json()) as { tags: string[] | null };
        assert.deepEqual(
          [...(tags.tags ?? [])].sort(),
          Array.from({ length: KEEP }, (_, k) => `t${TAGS - KEEP + k}`).sort(),
        );
        for (const tag of tags.tags ?? []) {
          const res = await fetch(`${server.url}/v2/rc/${r}/manifests/${tag}`, {
            headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
          });
          assert.equal(res.status, 200, `rc/${r}:${tag}`);
          await res.arrayBuffer();
        }
        const removed = new Set(
          lines.filter((l) => l.action === 'removed' && l.repository === `rc/${r}`).map((l) => l.digest),
        );
        assert.deepEqual([...removed].sort(), (pushed.get(r) ?? []).slice(0, TAGS - KEEP).sort());
      }
    });
  });
}
