/**
 * The image's SBOM as a CycloneDX 1.5 document (through the CycloneDX
 * library), stored as an OCI referrer of the image so any tool reading the
 * referrers API finds it (`artifactType: application/vnd.cyclonedx+json`).
 */
import { createHash } from 'node:crypto';
import { blobKey } from '../../core/digest.ts';
import type { Caller } from '../../core/hooks.ts';
import type { Registry } from '../../core/registry.ts';
import type { Package } from './packages.ts';

export const CYCLONEDX = 'application/vnd.cyclonedx+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };
const SCANNER: Caller = { actor: 'berth-scanner' };

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * The CycloneDX library (and the optional XML plugins it probes at load) costs
 * ~200 ms of CPU to load: it is loaded at the first SBOM, not at start-up.
 */
let library: Promise<typeof import('@cyclonedx/cyclonedx-library')> | null = null;

export async function cyclonedx(
  image: { repository: string; digest: string },
  packages: Package[],
  os: string | null,
): Promise<Buffer> {
  library ??= import('@cyclonedx/cyclonedx-library');
  const { Enums, Models, Serialize, Spec } = await library;
  const bom = new Models.Bom();
  bom.metadata.component = new Models.Component(Enums.ComponentType.Container, image.repository, {
    version: image.digest,
  });
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, 'berth-scanner'));
  if (os) bom.metadata.properties.add(new Models.Property('berth:os', os));
  for (const p of packages) {
    const component = new Models.Component(Enums.ComponentType.Library, p.name, {
      version: p.version,
      bomRef: `${p.ecosystem}/${p.name}@${p.version}:${p.path}`,
    });
    component.properties.add(new Models.Property('berth:ecosystem', p.ecosystem));
    component.properties.add(new Models.Property('berth:path', p.path));
    if (p.source && p.source !== p.name) component.properties.add(new Models.Property('berth:source', p.source));
    bom.components.add(component);
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot5));
  return Buffer.from(serializer.serialize(bom, { sortLists: true }));
}

/**
 * Stores `sbom` as a referrer of `subject` in `repository`; returns the referrer's digest.
 * The built-in scanner's SBOM is CycloneDX; an adapter's may be SPDX JSON, named by `format`.
 */
export async function attachSbom(
  registry: Registry,
  repository: string,
  subject: { digest: string; mediaType: string; size: number },
  sbom: Buffer,
  format: { mediaType: string; generator: string } = { mediaType: CYCLONEDX, generator: 'berth-scanner' },
): Promise<string> {
  for (const blob of [EMPTY.bytes, sbom]) {
    const digest = sha256(blob);
    if ((await registry.metadata.blobSize(digest)) === null) {
      await registry.storage.put(blobKey(digest), blob);
      await registry.metadata.recordBlob(digest, blob.length);
    }
    await registry.metadata.linkBlob(repository, digest);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: format.mediaType,
      config: { mediaType: EMPTY.mediaType, digest: sha256(EMPTY.bytes), size: EMPTY.bytes.length },
      layers: [{ mediaType: format.mediaType, digest: sha256(sbom), size: sbom.length }],
      subject,
      // No time in it: a rescan of the same image gives the same referrer, not another one.
      annotations: { 'dev.berth.sbom.generator': format.generator },
    }),
  );
  const digest = sha256(manifest);
  await registry.putManifest(repository, digest, manifest, 'application/vnd.oci.image.manifest.v1+json', SCANNER);
  return digest;
}
