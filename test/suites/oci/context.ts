import type { RegistryClient } from '../../support/oci.ts';

/** What each part of the OCI API suite gets: the running registry, once started. */
export interface SuiteContext {
  readonly url: string;
  readonly client: RegistryClient;
  /** Whether the backend under test can restart (see RunningRegistry.restart). */
  readonly canRestart: boolean;
  /** Restarts the registry on the same data; `url` and `client` follow it. */
  restart(): Promise<void>;
}
