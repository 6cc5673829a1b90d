import type { RegistryClient } from '../../support/oci.ts';

/** What each part of the OCI API suite gets: the running registry, once started. */
export interface SuiteContext {
  readonly url: string;
  readonly client: RegistryClient;
  /** Whether the backend under test can restart (see RunningRegistry.restart). */
  readonly canRestart: boolean;
  /** Restarts the registry on the same data; `url` and `client` follow it. */
  restart(): Promise<void>;
  /** Upload sessions and upload objects the registry holds, when the backend can tell. */
  leftovers(): Promise<{ sessions: number; objects: number } | null>;
}
