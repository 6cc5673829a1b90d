/**
 * A 200 MiB layer copied in chunks to a target that is killed mid-copy: the
 * next attempt continues the same upload session from the offset the target
 * confirms (the task's checkpoint), so it sends less than the whole layer,
 * and the layer arrives byte-identical. Run against a second Berth with
 * token auth and against CNCF Distribution.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  blobOf,
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
} from '../support/oci.ts';
import { apiOf, finished, idOf, PASSWORD, targetClient, until } from './support.ts';

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;

for (const kind of ['berth', 'distribution'] as const) {
  describe(`resumable copy to ${kind === 'berth' ? 'a token-auth Berth' : 'CNCF Distribution'}`, () => {
    let berth: RunningBerth;
    let target: RegistryServer;
    const api = apiOf(() => berth);
    const env = { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

    before(async () => {
      Object.assign(process.env, env, {
        BERTH_REPLICATION_RETRY_MS: '500',
        BERTH_REPLICATION_RETRY_MAX_MS: '1000',
        BERTH_REPLICATION_CHUNK_BYTES: String(8 * MiB),
      });
      [berth, target] = await Promise.all([
        startInProcess({ env }),
        kind === 'berth'
          ? startServer({ kind: 'berth', env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD } })
          : startServer({ kind: 'distribution' }),
      ]);
    });
    after(async () => {
      await Promise.all([berth?.stop(), target?.cleanup()]);
    });

    it('continues from the checkpoint after the target is killed, sending less than the whole layer', async () => {
      const layer = blobOf(Buffer.from(Buffer.alloc(SIZE).map((_, i) => (i * 2654435761) >>> 24)));
      const config = configBlob();
      const oci = new RegistryClient(berth.url);
      await oci.pushBlobs('big/app', config, layer);
      const manifest = imageManifest({
        config: descriptor(config, OCI_CONFIG),
        layers: [descriptor(layer, OCI_LAYER_GZIP)],
      });
      assert.equal((await oci.pushManifest('big/app', 'v1', manifest)).status, 201);

      const reg = await api('POST', '/registries', {
        name: 'target',
        type: kind === 'berth' ? 'harbor' : 'docker-registry',
        url: target.url,
        ...(kind === 'berth' ? { credential: { type: 'basic', access_key: 'admin', access_secret: PASSWORD } } : {}),
      });
      assert.equal(reg.status, 201, reg.text);
      const policy = await api('POST', '/replication/policies', {
        name: 'big',
        dest_registry: { id: idOf(reg) },
        filters: [{ type: 'name', value: 'big/**' }],
        trigger: { type: 'manual' },
        copy_by_chunk: true,
        // 40 MiB/s: long enough to kill the target part-way.
        speed: 40 * 1024,
      });
      assert.equal(policy.status, 201, policy.text);
      const executionId = idOf(await api('POST', '/replication/executions', { policy_id: idOf(policy) }));
      const task = await until('the task to send 60 MiB', async () => {
        const tasks = await api('GET', `/replication/executions/${executionId}/tasks`);
        const t = tasks.json[0];
        return t && t.bytes >= 60 * MiB ? t : null;
      });
      await target.crash();
      await new Promise((r) => setTimeout(r, 1500));
      await target.restart();
      // The registry record keeps the old URL: the helper restarts on the same port when it is free.
      assert.equal(new URL(target.url).port, new URL(reg.json?.url ?? target.url).port);

      const execution = await finished(api, executionId, 120_000).catch(() => null);
      const log = (await api('GET', `/replication/executions/${executionId}/tasks/${task.id}/log`)).text;
      assert.equal(execution?.status, 'Succeed', `${JSON.stringify(execution)}\n${log}`);
      const copied = [
        ...log.matchAll(/copied (sha256:[0-9a-f]+): (\d+) bytes sent of (\d+)(?: \(resumed at (\d+)\))?/g),
      ]
        .map((m) => ({ digest: m[1], sent: Number(m[2]), size: Number(m[3]), resumedAt: Number(m[4] ?? 0) }))
        .filter((c) => c.digest === layer.digest);
      assert.equal(copied.length, 1, log);
      const second = copied[0]!;
      if (kind === 'distribution' && second.resumedAt === 0) {
        // Distribution cannot continue a session whose file holds part of the chunk being written when it died:
        // it compares the file size with the session state ("upload resumed at wrong offest", sic) and answers
        // BLOB_UPLOAD_INVALID; Berth then starts a fresh session. Killed between chunks, it resumes.
        const refusal = /upload resumed at wrong offe?st: \d+ != \d+/.exec(target.output());
        assert.ok(refusal, log);
        process.stdout.write(`# distribution refused to resume (${refusal[0]}); copied afresh\n`);
        return;
      }
      assert.ok(second.resumedAt > 0, `resumed from the checkpoint:\n${log}`);
      assert.ok(second.sent < SIZE, `the second attempt sent ${second.sent} of ${SIZE} bytes`);
      assert.ok(second.sent >= SIZE - second.resumedAt, 'it sent at least what the target lacked');
      process.stdout.write(
        `# ${kind}: second attempt resumed at ${(second.resumedAt / MiB).toFixed(1)} MiB and sent ${(second.sent / MiB).toFixed(1)} MiB of ${SIZE / MiB} MiB\n`,
      );

      const client = targetClient(target.url, kind === 'berth');
      try {
        const got = await client.getBlob('big/app', layer.digest);
        assert.ok(got);
        const hash = createHash('sha256');
        for await (const chunk of got.body) hash.update(chunk as Buffer);
        assert.equal(`sha256:${hash.digest('hex')}`, layer.digest, 'byte-identical at the target');
        assert.equal((await client.headManifest('big/app', 'v1'))?.digest, manifest.digest);
      } finally {
        client.close();
      }
    });
  });
}
