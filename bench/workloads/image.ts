/**
 * Test images: an OCI image layout on disk (for skopeo) built from random
 * layers, and a tiny image pushed straight over HTTP (for the manifest and
 * HEAD load tests).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { request, resolveLocation, withQuery } from '../lib/net.ts';
import { run } from '../lib/proc.ts';
import { makeRandomFile } from './blobfile.ts';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const MANIFEST_ACCEPT = [
  OCI_MANIFEST,
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ImageParts {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  manifestDigest: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function manifestFor(config: Buffer, layers: { digest: string; size: number }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_TAR, digest: l.digest, size: l.size })),
    }),
  );
}

function configFor(diffIds: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created_by: 'berth bench' })),
    }),
  );
}

/**
 * An OCI image layout at `dir` with `layers` uncompressed tar layers, each
 * holding one random file of `layerSize` bytes; tagged `tag`. Kept when it
 * already exists.
 */
export async function buildOciLayout(dir: string, tag: string, layers: number, layerSize: number): Promise<ImageParts> {
  const blobs = path.join(dir, 'blobs/sha256');
  const done = path.join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(blobs, { recursive: true });
    const src = path.join(dir, 'src');
    mkdirSync(src);
    const descs: { digest: string; size: number }[] = [];
    for (let i = 0; i < layers; i++) {
      makeRandomFile(path.join(src, `layer${i}.bin`), layerSize);
      const tarFile = path.join(dir, `layer${i}.tar`);
      await run('tar', [
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '-cf',
        tarFile,
        '-C',
        src,
        `layer${i}.bin`,
      ]);
      const data = readFileSync(tarFile);
      const d = sha256(data);
      writeFileSync(path.join(blobs, d.slice(7)), data);
      rmSync(tarFile);
      descs.push({ digest: d, size: data.length });
    }
    rmSync(src, { recursive: true });
    const config = configFor(descs.map((d) => d.digest));
    writeFileSync(path.join(blobs, sha256(config).slice(7)), config);
    const manifest = manifestFor(config, descs);
    writeFileSync(path.join(blobs, sha256(manifest).slice(7)), manifest);
    writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      path.join(dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: sha256(manifest),
            size: manifest.length,
            annotations: { 'org.opencontainers.image.ref.name': tag },
          },
        ],
      }),
    );
    writeFileSync(done, '');
  }
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const manifestDigest: string = index.manifests[0].digest;
  const manifest = readFileSync(path.join(blobs, manifestDigest.slice(7)));
  const m = JSON.parse(manifest.toString());
  return {
    manifest,
    manifestDigest,
    config: readFileSync(path.join(blobs, m.config.digest.slice(7))),
    layers: m.layers.map((l: Descriptor) => readFileSync(path.join(blobs, l.digest.slice(7)))),
  };
}

/** A tiny image held in memory: one 1 KiB layer; its manifest is ~400 bytes. */
export function smallImage(): ImageParts {
  const layer = randomBytes(1024);
  const config = configFor([sha256(layer)]);
  const manifest = manifestFor(config, [{ digest: sha256(layer), size: layer.length }]);
  return { config, layers: [layer], manifest, manifestDigest: sha256(manifest) };
}

/** POST + PUT of one in-memory blob. */
export async function pushBlob(
  base: string,
  repo: string,
  data: Buffer,
  auth: Record<string, string> = {},
): Promise<string> {
  const digest = sha256(data);
  const head = await request('HEAD', `${base}/v2/${repo}/blobs/${digest}`, { headers: auth });
  if (head.status === 200) return digest;
  const post = await request('POST', `${base}/v2/${repo}/blobs/uploads/`, { headers: auth });
  if (post.status !== 202) throw new Error(`POST upload ${repo}: ${post.status} ${post.body.toString().slice(0, 300)}`);
  const put = await request('PUT', withQuery(resolveLocation(base, post.headers.location), 'digest', digest), {
    body: data,
    headers: { 'content-type': 'application/octet-stream', ...auth },
  });
  if (put.status !== 201) throw new Error(`PUT blob ${repo}: ${put.status} ${put.body.toString().slice(0, 300)}`);
  return digest;
}

/** Pushes an image's blobs and its manifest under `tag`. */
export async function pushImage(
  base: string,
  repo: string,
  tag: string,
  img: ImageParts,
  auth: Record<string, string> = {},
): Promise<void> {
  await pushBlob(base, repo, img.config, auth);
  for (const l of img.layers) await pushBlob(base, repo, l, auth);
  const r = await request('PUT', `${base}/v2/${repo}/manifests/${tag}`, {
    body: img.manifest,
    headers: { 'content-type': OCI_MANIFEST, ...auth },
  });
  if (r.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  const check = await request('GET', `${base}/v2/${repo}/manifests/${tag}`, {
    headers: { accept: MANIFEST_ACCEPT, ...auth },
  });
  if (check.status !== 200 || !check.body.equals(img.manifest)) {
    throw new Error(`GET manifest ${repo}:${tag} after push: ${check.status}, ${check.body.length} bytes`);
  }
}
