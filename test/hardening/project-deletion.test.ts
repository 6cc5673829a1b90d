/**
 * Issue 14: deleting a project, one rule for the API and the CLI. Refused
 * (412 / an error naming what remains) while it holds repositories; with
 * force its content goes too; a re-created project starts empty.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ADMIN, api, call, createProject, pushImage, startBerth } from '../access/support.ts';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('API: 412 naming the repositories, force deletes them, the re-created project is empty', async () => {
  const r = await startBerth();
  try {
    await createProject(r, 'team');
    await pushImage(r, 'team/app', 'v1', ADMIN);
    const refused = await api(r, 'DELETE', '/projects/team', { auth: ADMIN });
    assert.equal(refused.status, 412);
    assert.match(refused.json.errors[0].message, /still holds repositories: "team\/app"/);
    assert.equal((await api(r, 'DELETE', '/projects/team?force=true', { auth: ADMIN })).status, 200);
    await createProject(r, 'team');
    assert.equal((await call(r.url, 'GET', '/v2/team/app/manifests/v1', { auth: ADMIN })).status, 404);
    assert.equal((await api(r, 'GET', '/projects/team/repositories', { auth: ADMIN })).json.length, 0);
  } finally {
    await r.close();
  }
});

test('CLI: the same rule; --force deletes the content, the re-created project is empty', async () => {
  const r = await startBerth();
  const berth = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', MAIN, ...args, '--data', r.dir], { timeout: 60_000 });
  try {
    await createProject(r, 'ops');
    await pushImage(r, 'ops/app', 'v1', ADMIN);
    await assert.rejects(berth('project', 'delete', 'ops'), /still holds repositories: "ops\/app"/);
    assert.equal((await call(r.url, 'GET', '/v2/ops/app/manifests/v1', { auth: ADMIN })).status, 200);
    const { stdout } = await berth('project', 'delete', 'ops', '--force');
    assert.match(stdout, /deleted 1 repositories of ops/);
    await berth('project', 'create', 'ops');
    assert.equal((await call(r.url, 'GET', '/v2/ops/app/manifests/v1', { auth: ADMIN })).status, 404);
  } finally {
    await r.close();
  }
});
