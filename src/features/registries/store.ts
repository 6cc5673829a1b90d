/**
 * The persistence port of upstream registries. Secrets arrive here already
 * sealed (SecretBox); the store never sees one in clear. Kysely adapter:
 * `src/adapters/metadata/registries-store.ts` (migration `0200_registries`).
 */
import type { NewRegistry, RegistryPatch, RegistryRecord } from './types.ts';

export interface RegistriesStore {
  /** Null when the name is taken. */
  create(r: NewRegistry): Promise<RegistryRecord | null>;
  byId(id: number): Promise<RegistryRecord | null>;
  byName(name: string): Promise<RegistryRecord | null>;
  list(filter?: { name?: string }): Promise<RegistryRecord[]>;
  /** Null when absent; throws a conflict on a taken name (adapter returns `'conflict'`). */
  update(id: number, patch: RegistryPatch): Promise<RegistryRecord | null | 'conflict'>;
  delete(id: number): Promise<boolean>;
}

export type { NewRegistry, RegistryPatch, RegistryRecord, RegistryType } from './types.ts';
