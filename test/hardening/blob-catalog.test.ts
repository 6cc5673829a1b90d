/**
 * Issue 14: a blob a manifest still references cannot be deleted (405), and
 * /v2/_catalog pages over what the caller may read (full pages, Link while
 * more readable repositories exist).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  addMember,
  basic,
  call,
  createProject,
  createUser,
  pushImage,
  type Running,
  startBerth,
} from '../access/support.ts';

describe('blob deletion and catalog paging', () => {
  let r: Running;
  before(async () => {
    r = await startBerth();
  });
  after(async () => r.close());

  it('refuses to delete a blob a manifest of the repository references, until the manifest is gone', async () => {
    await createProject(r, 'team');
    const manifest = await pushImage(r, 'team/app', 'v1', ADMIN);
    const body = (
      await call(r.url, 'GET', `/v2/team/app/manifests/${manifest}`, {
        auth: ADMIN,
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json;
    for (const blob of [body.layers[0].digest, body.config.digest]) {
      const res = await call(r.url, 'DELETE', `/v2/team/app/blobs/${blob}`, { auth: ADMIN });
      assert.equal(res.status, 405, res.body);
      assert.equal(res.json.errors[0].code, 'UNSUPPORTED');
      assert.match(res.json.errors[0].message, /referenced by manifest/);
      assert.equal((await call(r.url, 'GET', `/v2/team/app/blobs/${blob}`, { auth: ADMIN })).status, 200);
    }
    assert.equal((await call(r.url, 'DELETE', `/v2/team/app/manifests/${manifest}`, { auth: ADMIN })).status, 202);
    const gone = await call(r.url, 'DELETE', `/v2/team/app/blobs/${body.layers[0].digest}`, { auth: ADMIN });
    assert.equal(gone.status, 202, gone.body);
    const unknown = `sha256:${createHash('sha256').update('nothing').digest('hex')}`;
    assert.equal((await call(r.url, 'DELETE', `/v2/team/app/blobs/${unknown}`, { auth: ADMIN })).status, 404);
  });

  it('a non-admin gets full catalog pages of what it may read, with Link while more remain', async () => {
    await createProject(r, 'aaa');
    await createProject(r, 'zzz');
    for (let i = 0; i < 5; i++) await pushImage(r, `aaa/hidden${i}`, 'v1', ADMIN);
    for (let i = 0; i < 3; i++) await pushImage(r, `zzz/seen${i}`, 'v1', ADMIN);
    await createUser(r, 'carol', 'Carolpass1');
    await addMember(r, 'zzz', 'carol', 3);
    const carol = basic('carol', 'Carolpass1');
    const first = await call(r.url, 'GET', '/v2/_catalog?n=2', { auth: carol });
    assert.equal(first.status, 200);
    assert.deepEqual(first.json.repositories, ['zzz/seen0', 'zzz/seen1']);
    const next = /<([^>]+)>/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next, 'a Link to the next page');
    const second = await call(r.url, 'GET', next, { auth: carol });
    assert.deepEqual(second.json.repositories, ['zzz/seen2']);
    assert.equal(second.headers.get('link'), null);
  });

  it('/projects?public= filters before paging: full pages and an honest total', async () => {
    for (const name of ['p01', 'p02', 'p03', 'p04']) await createProject(r, name);
    await createProject(r, 'p05', true);
    await createProject(r, 'p06', true);
    const res = await call(r.url, 'GET', '/api/v2.0/projects?public=true&page_size=2', { auth: ADMIN });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.map((p: { name: string }) => p.name),
      ['p05', 'p06'],
    );
    assert.equal(res.headers.get('x-total-count'), '2');
    assert.equal((await call(r.url, 'GET', '/api/v2.0/projects?public=maybe', { auth: ADMIN })).status, 400);
  });
});
