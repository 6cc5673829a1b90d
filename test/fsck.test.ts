import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { blobKey, digestOf } from '../src/core/digest.ts';
import { fsck } from '../src/features/fsck/fsck.ts';
import { type RunningBerth, startInProcess } from './support/inprocess.ts';

const run = promisify(execFile);

async function pushBlob(url: string, repo: string, data: Buffer): Promise<string> {
  const digest = digestOf(data);
  const res = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    body: new Uint8Array(data),
  });
  assert.equal(res.status, 201);
  return digest;
}

async function pushImage(url: string, repo: string, tag: string): Promise<{ layer: string; config: string }> {
  const layer = await pushBlob(url, repo, randomBytes(4096));
  const configBytes = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const config = await pushBlob(url, repo, configBytes);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 4096 }],
  });
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(res.status, 201);
  return { layer, config };
}

describe('fsck', () => {
  let b: RunningBerth;
  let image: { layer: string; config: string };
  before(async () => {
    b = await startInProcess();
    image = await pushImage(b.url, 'team/app', 'v1');
    await pushImage(b.url, 'team/other', 'v1');
  });
  after(async () => b.stop());

  const storageFile = (digest: string) => join(b.dataDir, 'storage', ...blobKey(digest).split('/'));

  it('finds nothing wrong in a healthy registry and checks every blob', async () => {
    const report = await fsck(b.berth.registry.storage, b.berth.registry.metadata);
    assert.deepEqual(report.problems, []);
    assert.equal(report.blobsChecked, 5, '2 layers + 1 config stored once + 2 manifests');
    assert.equal(report.manifestsChecked, 2);
  });

  it('reports a blob whose bytes changed, and quarantines it on repair', async () => {
    const file = storageFile(image.layer);
    const bytes = await readFile(file);
    bytes[100] ^= 0xff;
    await writeFile(file, bytes);

    const report = await fsck(b.berth.registry.storage, b.berth.registry.metadata);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.subject]),
      [['blob-corrupt', image.layer]],
    );

    const repaired = await fsck(b.berth.registry.storage, b.berth.registry.metadata, { repair: true });
    assert.equal(repaired.problems[0].repaired, true);
    // The corrupt bytes are no longer served; the manifest now reports its missing layer.
    const head = await fetch(`${b.url}/v2/team/app/blobs/${image.layer}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    const after = await fsck(b.berth.registry.storage, b.berth.registry.metadata);
    assert.deepEqual(
      after.problems.map((p) => p.kind),
      ['manifest-reference-missing'],
    );
    const quarantined = await b.berth.registry.storage.stat(
      `quarantine/${blobKey(image.layer).slice('blobs/'.length)}`,
    );
    assert.equal(quarantined?.size, 4096, 'the bytes are kept aside, not destroyed');
  });

  it('exits non-zero from the command line when problems remain, with a summary', async () => {
    await b.berth.registry.metadata.close(); // the CLI opens the same database
    const cli = run(process.execPath, ['bin/berth.js', 'fsck', '--data', b.dataDir]);
    const err = await cli.then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    assert.ok(err, 'fsck must fail');
    assert.equal(err.code, 1);
    assert.match(err.stdout, /PROBLEM manifest-reference-missing team\/app@sha256:/);
    assert.match(err.stdout, /1 problems/);
  });
});
