/**
 * Issue 14: inputs PostgreSQL cannot store or compare (a NUL in a Basic-auth
 * user name or in `last`, ids beyond 2^31-1) are 400/401/404 on both
 * metadata stores, never 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, api, basic, call, createProject, pushImage, type Running, startBerth } from '../access/support.ts';
import { createTestDatabase } from '../support/postgres.ts';

for (const store of ['sqlite', 'postgres'] as const) {
  describe(`inputs the database cannot hold, on ${store}`, () => {
    let r: Running;
    let drop = async () => {};
    before(async () => {
      const env: Record<string, string> = {};
      if (store === 'postgres') {
        const db = await createTestDatabase();
        drop = db.drop;
        Object.assign(env, { BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url });
      }
      r = await startBerth(env);
      await createProject(r, 'team');
      await pushImage(r, 'team/app', 'v1', ADMIN);
    });
    after(async () => {
      await r.close();
      await drop();
    });

    const ok = (status: number, what: string) => assert.ok(status < 500, `${what}: ${status}`);

    it('a NUL in a Basic-auth user name is a failed login', async () => {
      for (const path of ['/v2/', '/api/v2.0/users/current', '/service/token?service=berth'])
        assert.equal((await call(r.url, 'GET', path, { auth: basic('ad\0min', 'x') })).status, 401, path);
      assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('robot$a+\0b', 'x') })).status, 401);
    });

    it('ids beyond 2^31-1 in API paths', async () => {
      for (const path of [
        '/users/99999999999',
        '/projects/99999999999',
        '/projects/99999999999/members',
        '/projects/team/members/99999999999',
        '/projects/team/robots/99999999999',
        '/robots/99999999999',
        '/kube/connections/99999999999',
        '/kube/clusters/99999999999',
        '/kube/placements/99999999999',
        '/kube/groups/99999999999',
        '/users/1e20',
      ])
        ok((await api(r, 'GET', path, { auth: ADMIN })).status, path);
      ok((await api(r, 'DELETE', '/users/99999999999', { auth: ADMIN })).status, 'DELETE /users');
    });

    it('last=%00 on tag lists and the catalog, and NUL in names', async () => {
      for (const path of [
        '/v2/team/app/tags/list?last=%00',
        '/v2/team/app/tags/list?n=1&last=a%00b',
        '/v2/_catalog?last=%00',
        '/v2/_catalog?n=1&last=%00',
        '/v2/team/app/manifests/a%00b',
        '/api/v2.0/projects?name=%00',
        '/api/v2.0/projects/team/repositories?q=name%3D%00',
        '/api/v2.0/users/search?username=%00',
        '/api/v2.0/audit-logs?q=username%3D%00',
      ])
        ok((await call(r.url, 'GET', path, { auth: ADMIN })).status, path);
    });
  });
}
