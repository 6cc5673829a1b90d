/** Builds small OCI images in memory and pushes them, or writes them as an OCI layout for skopeo. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface BuiltImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
  mediaType: string;
}

export interface ImageOptions {
  layerSizes?: number[];
  /** Layer bytes to use as they are (e.g. real tar files); overrides layerSizes. */
  layerBytes?: Buffer[];
  architecture?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  history?: string[];
  subject?: { mediaType: string; digest: string; size: number };
  artifactType?: string;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** An image whose layers are random bytes (as an uncompressed tar would be opaque to the registry). */
export function buildImage(options: ImageOptions = {}): BuiltImage {
  const layers = options.layerBytes ?? (options.layerSizes ?? [1024]).map((n) => randomBytes(n));
  const history = options.history ?? layers.map((_, i) => `/bin/sh -c #(nop) ADD file:layer${i} in /`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      config: { Labels: options.labels ?? {}, Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map(sha256) },
      history: history.map((created_by) => ({ created: '2026-01-02T03:04:05Z', created_by })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(l),
        size: l.length,
      })),
      ...(options.subject ? { subject: options.subject } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
  return { config, layers, manifest, digest: sha256(manifest), mediaType: OCI_MANIFEST };
}

export function buildIndex(children: { image: BuiltImage; architecture: string }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c) => ({
        mediaType: c.image.mediaType,
        digest: c.image.digest,
        size: c.image.manifest.length,
        platform: { architecture: c.architecture, os: 'linux' },
      })),
    }),
  );
}

async function pushBlob(app: FastifyInstance, repository: string, blob: Buffer): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/?digest=${sha256(blob)}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: blob,
  });
  if (res.statusCode !== 201) throw new Error(`blob push failed: ${res.statusCode} ${res.body}`);
}

export async function pushManifest(
  app: FastifyInstance,
  repository: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<string> {
  const res = await app.inject({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    payload: bytes,
  });
  if (res.statusCode !== 201) throw new Error(`manifest push failed: ${res.statusCode} ${res.body}`);
  return String(res.headers['docker-content-digest']);
}

/** Pushes the image's blobs and manifest; `reference` is a tag or its digest. */
export async function pushImage(app: FastifyInstance, repository: string, reference: string, image: BuiltImage) {
  for (const blob of [image.config, ...image.layers]) await pushBlob(app, repository, blob);
  return pushManifest(app, repository, reference, image.manifest, image.mediaType);
}

/** Writes the image as an OCI image layout (for `skopeo copy oci:DIR:TAG …`). */
export async function writeOciLayout(dir: string, tag: string, image: BuiltImage): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const blob of [image.config, ...image.layers, image.manifest]) {
    await writeFile(join(blobs, sha256(blob).slice('sha256:'.length)), blob);
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: image.mediaType,
          digest: image.digest,
          size: image.manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}
