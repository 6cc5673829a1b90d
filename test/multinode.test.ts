/**
 * Scale-out: three Berth nodes on one PostgreSQL database and one store,
 * behind nginx round-robin. Pushes and pulls through the balancer, a chunked
 * upload spread over nodes, and a node killed during a push.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, startCluster } from './support/cluster.ts';
import { assertLayoutsEqual, buildRandomImage, OciLayout, run, Skopeo, sha256 } from './support/images.ts';
import { createTestDatabase } from './support/postgres.ts';
import { storageEnv } from './support/storage.ts';

describe('several nodes behind a load balancer', { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let work: string;
  let skopeo: Skopeo;
  let env: NodeJS.ProcessEnv;
  let releaseStorage: () => Promise<void>;

  before(async () => {
    db = await createTestDatabase();
    work = await mkdtemp(join(tmpdir(), 'berth-multinode-'));
    const storage = await storageEnv(work);
    releaseStorage = storage.release;
    env = {
      BERTH_DATABASE_DRIVER: 'postgres',
      BERTH_DATABASE_URL: db.url,
      BERTH_DATA: join(work, 'data'),
      ...storage.env,
    };
    cluster = await startCluster(3, env);
    skopeo = await Skopeo.create();
  });

  after(async () => {
    await cluster?.stop();
    await skopeo?.cleanup();
    await releaseStorage?.();
    await db?.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('pushes through the balancer and pulls back byte-identical', async () => {
    const layout = await OciLayout.create(join(work, 'src'));
    await buildRandomImage(layout, { layers: [{ size: 300_000 }, { size: 200_000 }, { size: 100_000 }], tag: 'v1' });
    await skopeo.ok(['copy', `oci:${layout.dir}:v1`, `docker://${cluster.host}/scale/app:v1`]);
    const back = join(work, 'back');
    await skopeo.ok(['copy', `docker://${cluster.host}/scale/app:v1`, `oci:${back}:v1`]);
    await assertLayoutsEqual(layout.dir, 'v1', back, 'v1');
  });

  it('completes a chunked upload whose requests land on different nodes', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const digest = sha256(data);
    const start = await fetch(`${cluster.url}/v2/scale/chunks/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    let location = start.headers.get('location') as string;
    const chunk = 1024 * 1024;
    for (let offset = 0; offset < data.length; offset += chunk) {
      const part = data.subarray(offset, Math.min(offset + chunk, data.length));
      const res = await fetch(new URL(location, cluster.url), {
        method: 'PATCH',
        body: new Uint8Array(part),
        headers: {
          'content-range': `${offset}-${offset + part.length - 1}`,
          'content-type': 'application/octet-stream',
        },
      });
      assert.equal(res.status, 202, await res.text());
      assert.equal(res.headers.get('range'), `0-${offset + part.length - 1}`);
      location = res.headers.get('location') as string;
    }
    const done = await fetch(new URL(`${location}?digest=${digest}`, cluster.url), { method: 'PUT' });
    assert.equal(done.status, 201, await done.text());
    const got = Buffer.from(await (await fetch(`${cluster.url}/v2/scale/chunks/blobs/${digest}`)).arrayBuffer());
    assert.ok(got.equals(data), 'the blob reads back byte-identical');

    await sleep(1500); // access logs are flushed once a second
    const uploadPath = new URL(location, cluster.url).pathname;
    const servedBy = cluster.nodes.filter((n) => [...n.requests('PATCH'), ...n.requests('PUT')].includes(uploadPath));
    assert.ok(servedBy.length >= 2, `the upload's requests were served by ${servedBy.length} node(s)`);
  });

  it('survives a node killed during a push: the retried push completes and nothing is torn', async () => {
    const layout = await OciLayout.create(join(work, 'big'));
    await buildRandomImage(layout, {
      layers: Array.from({ length: 5 }, () => ({ size: 6 * 1024 * 1024, compression: 'none' as const })),
      tag: 'v1',
    });
    const target = `docker://${cluster.host}/scale/big:v1`;
    const push = skopeo.run(['copy', '--preserve-digests', `oci:${layout.dir}:v1`, target]);
    await sleep(400);
    await cluster.nodes[1].kill('SIGKILL');
    const first = await push;
    if (first.code !== 0) {
      // The balancer now routes around the dead node; pushing again finishes the job.
      await skopeo.ok(['copy', '--retry-times', '3', '--preserve-digests', `oci:${layout.dir}:v1`, target]);
    }
    const back = join(work, 'big-back');
    await skopeo.ok(['copy', '--preserve-digests', target, `oci:${back}:v1`]);
    await assertLayoutsEqual(layout.dir, 'v1', back, 'v1');

    const fsck = await run(process.execPath, ['bin/berth.js', 'fsck'], { env: { ...process.env, ...env } });
    assert.equal(fsck.code, 0, `fsck: ${fsck.stdout}\n${fsck.stderr}`);
    assert.match(fsck.stdout, / 0 problems/);
  });
});
