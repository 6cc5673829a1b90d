import type { RegistryClient } from '../../support/oci.ts';

/** What each part of the OCI API suite gets: the running registry, once started. */
export interface SuiteContext {
  readonly url: string;
  readonly client: RegistryClient;
}
