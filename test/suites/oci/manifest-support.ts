/** Helpers shared by the manifest parts of the OCI suite. */
import assert from 'node:assert/strict';
import {
  assertError,
  type Blob,
  configBlob,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  descriptor,
  imageManifest,
  type ManifestDoc,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  type RegistryClient,
  randomBlob,
} from '../../support/oci.ts';

export const MAX_MANIFEST = 4 * 1024 * 1024;

/** Pushes config + layers and returns an OCI (or Docker) manifest over them, not yet pushed. */
export async function imageIn(client: RegistryClient, repo: string, docker = false): Promise<ManifestDoc> {
  const config = configBlob();
  const layers = [randomBlob(256), randomBlob(512)];
  await client.pushBlobs(repo, config, ...layers);
  return imageManifest({
    mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config: descriptor(config, docker ? DOCKER_CONFIG : OCI_CONFIG),
    layers: layers.map((l) => descriptor(l, docker ? DOCKER_LAYER : OCI_LAYER_GZIP)),
  });
}

/** Checks GET and HEAD by tag and by digest return exactly `m`. */
export async function assertManifest(
  client: RegistryClient,
  repo: string,
  m: ManifestDoc,
  tag?: string,
): Promise<void> {
  for (const ref of tag ? [tag, m.digest] : [m.digest]) {
    const get = await client.get(`/v2/${repo}/manifests/${ref}`, { accept: m.mediaType });
    assert.equal(get.status, 200, `GET ${repo}:${ref}: ${get.text}`);
    assert.equal(get.headers.get('content-type'), m.mediaType);
    assert.equal(get.headers.get('docker-content-digest'), m.digest);
    assert.equal(get.headers.get('content-length'), String(m.size));
    assert.ok(get.body.equals(m.bytes), 'exact manifest bytes');
    const head = await client.head(`/v2/${repo}/manifests/${ref}`, { accept: m.mediaType });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), m.mediaType);
    assert.equal(head.headers.get('docker-content-digest'), m.digest);
    assert.equal(head.headers.get('content-length'), String(m.size));
    assert.equal(head.body.length, 0);
  }
}

export async function assertNoManifest(client: RegistryClient, repo: string, ref: string): Promise<void> {
  assertError(await client.get(`/v2/${repo}/manifests/${ref}`), 404, 'MANIFEST_UNKNOWN');
  assert.equal((await client.head(`/v2/${repo}/manifests/${ref}`)).status, 404);
}

export function assertPushed(res: { status: number; headers: Headers; text: string }, repo: string, m: ManifestDoc) {
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.get('location'), `/v2/${repo}/manifests/${m.digest}`);
  assert.equal(res.headers.get('docker-content-digest'), m.digest);
}

/** A manifest padded with an annotation to exactly `size` bytes. */
export function paddedManifest(config: Blob, size: number): ManifestDoc {
  const base = imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [], annotations: { pad: '' } });
  const pad = 'x'.repeat(size - base.size);
  return imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [], annotations: { pad } });
}
