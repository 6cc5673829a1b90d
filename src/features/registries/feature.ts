/** The upstream registries feature from its ports (wired by src/server/app.ts). */
import type { Sealer } from '../kube/secretbox.ts';
import type { AddressPolicy } from './client.ts';
import { RegistriesService } from './service.ts';
import type { RegistriesStore } from './store.ts';
import { RegistriesInvalidError } from './types.ts';

export interface RegistriesDeps {
  store: RegistriesStore;
  box: Sealer;
  policy: AddressPolicy;
  responseTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export function createRegistries(deps: RegistriesDeps): RegistriesService {
  return new RegistriesService({
    store: deps.store,
    box: deps.box,
    policy: deps.policy,
    client: { responseTimeoutMs: deps.responseTimeoutMs, idleTimeoutMs: deps.idleTimeoutMs },
  });
}

/** The disabled twin: no metadata database for it; every call answers "not enabled" (fail closed). */
export function disabledRegistries(): RegistriesService {
  const off = async (): Promise<never> => {
    throw new RegistriesInvalidError('registries', 'upstream registries are not enabled on this server');
  };
  return new RegistriesService({
    store: { create: off, byId: off, byName: off, list: off, update: off, delete: off },
    box: { encrypt: () => '', decrypt: () => '', needsRotation: () => false },
  });
}
