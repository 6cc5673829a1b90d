/** createSigning: the service, its pull guard and event listener, over the core Registry and the store port. */
import { blobKey } from '../../core/digest.ts';
import type { Registry } from '../../core/registry.ts';
import type { SignatureSource } from './collect.ts';
import { signingGuard, signingListener } from './gate.ts';
import { SigningService } from './service.ts';
import type { SigningStore } from './store.ts';

export interface SigningFeature {
  service: SigningService;
  close(): void;
}

export function registrySource(registry: Registry): SignatureSource {
  return {
    manifestByTag: (repository, tag) => registry.metadata.manifestByTag(repository, tag),
    referrers: (repository, digest) => registry.metadata.referrers(repository, digest),
    manifestBytes: (digest) => registry.manifestContent(digest),
    async blobBytes(repository, digest, max) {
      const size = await registry.metadata.repositoryBlobSize(repository, digest);
      if (size === null || size > max) return null;
      return registry.storage.get(blobKey(digest));
    },
  };
}

/** Wires the gate into the registry's hooks and starts watching the shared counter. */
export async function createSigning(options: {
  registry: Registry;
  store: SigningStore;
  pollMs?: number;
  onError?: (err: unknown) => void;
}): Promise<SigningFeature> {
  const service = new SigningService(options.store, registrySource(options.registry), {
    pollMs: options.pollMs,
    onError: options.onError,
  });
  await service.start();
  options.registry.hooks.addGuard(signingGuard(service, options.onError));
  options.registry.hooks.on(signingListener(service), ['manifest.pushed', 'manifest.deleted', 'tag.deleted']);
  return { service, close: () => service.stop() };
}
