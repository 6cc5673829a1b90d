/**
 * Project storage quotas: a guard refuses a blob link (upload completion or
 * mount) or a manifest push that would take the project over its limit, so
 * nothing is stored. Usage counts each blob once per project.
 */
import { RegistryError } from '../../core/errors.ts';
import type { BlobLinkCheck, ManifestPutCheck, RegistryGuard } from '../../core/hooks.ts';
import { projectOf } from '../../core/names.ts';
import type { MetadataStore } from '../../core/ports.ts';
import type { LifecycleStore } from './ports.ts';

export function quotaExceeded(project: string, limit: number, usage: number, asked: number): RegistryError {
  return new RegistryError(
    'DENIED',
    `quota exceeded for project ${project}: storage limit ${limit} bytes, usage ${usage} bytes, ` +
      `${asked} bytes asked`,
    { project, limit, usage, asked },
  );
}

export function quotaGuard(store: LifecycleStore, metadata: MetadataStore): RegistryGuard {
  const check = async (repository: string, size: number) => {
    const project = projectOf(repository);
    const quota = await store.quotaByName(project);
    if (!quota || quota.hardStorage < 0) return;
    const { physical } = await store.usage(project);
    if (physical + size > quota.hardStorage) throw quotaExceeded(project, quota.hardStorage, physical, size);
  };
  return {
    name: 'quota',
    async beforeBlobLink(c: BlobLinkCheck) {
      const project = projectOf(c.repository);
      const quota = await store.quotaByName(project);
      if (!quota || quota.hardStorage < 0) return;
      if (await store.linkedInProject(project, c.digest)) return; // already counted once in the project
      await check(c.repository, c.size);
    },
    async beforeManifestPut(c: ManifestPutCheck) {
      if (await metadata.manifestByDigest(c.repository, c.digest)) return;
      await check(c.repository, c.size);
    },
  };
}
