/**
 * Issue 14 (High): completing an upload session whose bytes are gone must not
 * "roll forward" to a blob stored under the claimed digest by another
 * project. Only a session that verified the digest itself (and crashed in the
 * rename) is finished that way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { FsDriver } from '../../src/adapters/storage/fs.ts';
import { Registry } from '../../src/core/registry.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('upload roll-forward', () => {
  let b: RunningBerth;
  let dataDir = '';
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-rollforward-'));
    b = await startInProcess({ dataDir });
  });
  after(async () => {
    await b.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const startUpload = async (repo: string) => {
    const res = await fetch(`${b.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(res.status, 202);
    const location = res.headers.get('location') as string;
    return { location: new URL(location, b.url), id: location.split('/').pop() as string };
  };

  it('a session whose bytes vanished cannot claim a blob another project stored', async () => {
    const secret = Buffer.from('the private layer of another project');
    const digest = sha(secret);
    const push = await fetch(`${b.url}/v2/private/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: secret,
    });
    assert.equal(push.status, 201);

    const upload = await startUpload('attacker/loot');
    const patch = await fetch(upload.location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(secret.length, 0x41),
    });
    assert.equal(patch.status, 202);
    // What a crash, a full disk or a lost node leaves: a session record whose bytes are gone.
    // (and a restart: no running hash in memory).
    await b.stop();
    await rm(join(dataDir, 'storage', 'uploads', upload.id), { force: true });
    b = await startInProcess({ dataDir });

    const url = new URL(new URL(patch.headers.get('location') as string, b.url).pathname, b.url);
    url.searchParams.set('digest', digest);
    const put = await fetch(url, { method: 'PUT' });
    assert.equal(put.status, 404, await put.text());
    const pull = await fetch(`${b.url}/v2/attacker/loot/blobs/${digest}`);
    assert.equal(pull.status, 404);
    assert.equal((await fetch(`${b.url}/v2/private/app/blobs/${digest}`)).status, 200);
  });
});

describe('upload roll-forward after a crash in the commit', () => {
  it('the session that verified the digest itself is finished from the renamed blob', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-rollforward-core-'));
    try {
      const metadata = await SqliteStore.open(join(dir, 'meta.db'));
      const storage = new FsDriver(join(dir, 'storage'));
      // The "crash": the blob is renamed into place, then recording it fails.
      const crashing = Object.create(metadata) as SqliteStore;
      crashing.recordBlob = async () => {
        throw new Error('killed after the rename');
      };
      const before = new Registry({ storage, metadata: crashing });
      const data = Buffer.from('a layer whose commit was interrupted');
      const digest = sha(data);
      const upload = await before.uploads.start('team/app');
      await before.uploads.append('team/app', upload.id, Readable.from([data]));
      await assert.rejects(before.uploads.finish('team/app', upload.id, digest, null), /killed after the rename/);
      // After a restart (a new Registry, no running hash), the client retries its PUT.
      const after = new Registry({ storage, metadata });
      assert.deepEqual(await after.uploads.finish('team/app', upload.id, digest, null), {
        digest,
        size: data.length,
      });
      assert.equal(await metadata.blobSize(digest), data.length);
      await metadata.close?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
