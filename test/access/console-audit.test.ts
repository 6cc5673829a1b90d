/**
 * Edits through the management API (tag added, tag removed, artifact
 * deleted) reach the audit log in the shape of the /v2 pushes and deletions
 * (resource type artifact, push/delete, `repo:tag` or `repo@digest`), with
 * who and from where; a refused edit (403) is logged as a failure.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  addMember,
  api,
  basic,
  createProject,
  createUser,
  pushImage,
  type Running,
  startBerth,
} from './support.ts';

let r: Running;
const DEV = basic('dev', 'Passw0rdX');
let digest: string;

interface Line {
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  operation_result: boolean;
  project_name: string;
  client_address: string;
  op_time: string;
}

const ART = '/projects/team/repositories/app/artifacts';

before(async () => {
  r = await startBerth();
  await createProject(r, 'team');
  await createUser(r, 'dev');
  await addMember(r, 'team', 'dev', 2); // developer: may push (tag), may not delete
  digest = await pushImage(r, 'team/app', 'v1', ADMIN);
});

after(async () => {
  await r?.close();
});

async function projectLog(): Promise<Line[]> {
  const res = await api(r, 'GET', '/projects/team/logs?q=resource_type=artifact&page_size=100', { auth: ADMIN });
  assert.equal(res.status, 200);
  return res.json;
}

test('adding and removing a tag, deleting an artifact: audited with who, what, when and where', async () => {
  const started = new Date(Date.now() - 1000).toISOString();
  assert.equal((await api(r, 'POST', `${ART}/v1/tags`, { auth: DEV, body: { name: 'stable' } })).status, 201);
  assert.equal((await api(r, 'DELETE', `${ART}/v1/tags/stable`, { auth: ADMIN })).status, 200);
  assert.equal((await api(r, 'DELETE', `${ART}/v1`, { auth: ADMIN })).status, 200);

  const lines = await projectLog();
  const find = (operation: string, resource: string) =>
    lines.find((l) => l.operation === operation && l.resource === resource && l.operation_result);
  const tagged = find('push', 'team/app:stable');
  assert.ok(tagged, JSON.stringify(lines));
  assert.equal(tagged.username, 'dev');
  assert.equal(tagged.resource_type, 'artifact');
  assert.equal(tagged.project_name, 'team');
  assert.equal(tagged.client_address, '127.0.0.1');
  assert.ok(tagged.op_time >= started);
  const untagged = find('delete', 'team/app:stable');
  assert.ok(untagged);
  assert.equal(untagged.username, 'admin');
  const deleted = find('delete', `team/app@${digest}`);
  assert.ok(deleted);
  assert.equal(deleted.username, 'admin');

  // The registry-wide log has them too, with the same shape as the /v2 push of v1.
  const all = await api(r, 'GET', '/audit-logs?q=resource_type=artifact&page_size=100', { auth: ADMIN });
  const resources = all.json.map((l: Line) => `${l.operation} ${l.resource}`);
  for (const want of [
    'push team/app:v1',
    'push team/app:stable',
    'delete team/app:stable',
    `delete team/app@${digest}`,
  ])
    assert.ok(resources.includes(want), `${want} in ${resources}`);
});

test('a refused edit is audited as a failure; a 404 is not audited', async () => {
  await pushImage(r, 'team/app', 'v2', ADMIN);
  const refused = await api(r, 'DELETE', `${ART}/v2`, { auth: DEV });
  assert.equal(refused.status, 403);
  const untag = await api(r, 'DELETE', `${ART}/v2/tags/v2`, { auth: DEV });
  assert.equal(untag.status, 403);
  const missing = await api(r, 'DELETE', `${ART}/nope`, { auth: ADMIN });
  assert.equal(missing.status, 404);

  const lines = await projectLog();
  const failures = lines.filter((l) => !l.operation_result).map((l) => `${l.username} ${l.operation} ${l.resource}`);
  assert.deepEqual(failures.sort(), ['dev delete team/app:v2', 'dev delete team/app:v2']);
  assert.ok(!lines.some((l) => l.resource === 'team/app:nope'));
});
