/**
 * Two Berth nodes on one PostgreSQL and one storage folder: a key added or
 * removed, or a signature pushed, through one node changes what the other
 * lets through within its one-second look at the shared counter.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN, RegistryServer } from '../support/berth.ts';
import { buildRandomImage, OciLayout, ok, removeDir, run, tempDir } from '../support/images.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { makeKey } from './fixtures.ts';

describe('signature verdicts across nodes', { timeout: 300_000 }, () => {
  let a: RegistryServer;
  let b: RegistryServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;

  before(async () => {
    db = await createTestDatabase();
    dir = await tempDir('berth-signing-nodes-');
    const env = { BERTH_AUTH: 'off', BERTH_DATABASE_DRIVER: 'postgres', BERTH_DATABASE_URL: db.url };
    a = await RegistryServer.start({ dataDir: join(dir, 'data'), env });
    b = await RegistryServer.start({ dataDir: join(dir, 'data'), env });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await removeDir(dir);
  });

  const status = async (node: RegistryServer) =>
    (
      await fetch(`${node.url}/v2/team/app/manifests/v1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).status;

  /** The status node B answers once it settles (polls up to 3 s). */
  async function settlesTo(expected: number): Promise<number> {
    const start = Date.now();
    let last = 0;
    while (Date.now() - start < 3000) {
      last = await status(b);
      if (last === expected) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`node B still answers ${last}, expected ${expected}`);
  }

  it('key and signature changes on one node reach the other', async () => {
    const res = await fetch(`${a.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'team', metadata: { enable_content_trust_cosign: 'true' } }),
    });
    assert.equal(res.status, 201);
    const layout = await OciLayout.create(join(dir, 'src'));
    await buildRandomImage(layout, { layers: [{ size: 2048 }], tag: 'v1' });
    ok(await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout.dir}:v1`, a.ref('team/app:v1')]), 'push');
    await settlesTo(412);

    const [priv, pub] = await makeKey(dir, 'k', 'ec');
    ok(
      await run(process.execPath, [BERTH_BIN, 'sign', `${a.host}/team/app:v1`, '--key', priv, '--plain-http']),
      'sign',
    );
    assert.equal(await status(b), 412); // signed, but by a key nobody trusts yet
    const added = await fetch(`${a.url}/api/v2.0/projects/team/trusted-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k', public_key: await readFile(pub, 'utf8') }),
    });
    assert.equal(added.status, 201);
    assert.equal(await status(a), 200); // the node that made the change knows at once
    const ms = await settlesTo(200);
    assert.ok(ms < 2500, `took ${ms} ms`);

    const { id } = (await added.json()) as { id: number };
    const gone = await fetch(`${a.url}/api/v2.0/projects/team/trusted-keys/${id}`, { method: 'DELETE' });
    assert.equal(gone.status, 200);
    await settlesTo(412);
  });
});
