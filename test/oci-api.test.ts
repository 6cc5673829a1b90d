/** The shared OCI API suite against Berth's embedded defaults: SQLite metadata and the filesystem driver. */
import { inProcessRegistry, ociApiSuite } from './suites/oci-api.ts';

ociApiSuite('sqlite + filesystem', () => inProcessRegistry());
