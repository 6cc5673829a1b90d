/**
 * The shared OCI Distribution API suite. It drives a running registry over
 * HTTP only, so any Berth (any metadata store, any storage driver) can plug
 * in with a few lines:
 *
 *   ociApiSuite('sqlite + fs', async () => ({ url, stop }));
 *
 * Every test works in repositories of its own, so the server may hold other
 * content; `start` is called once for the whole suite.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Registry } from '../../src/core/registry.ts';
import { startInProcess } from '../support/inprocess.ts';
import { RegistryClient } from '../support/oci.ts';
import { blobTests } from './oci/blobs.ts';
import type { SuiteContext } from './oci/context.ts';
import { hostileTests } from './oci/hostile.ts';
import { listingTests } from './oci/listings.ts';
import { manifestValidationTests } from './oci/manifest-validation.ts';
import { manifestTests } from './oci/manifests.ts';
import { mountTests } from './oci/mounts.ts';
import { referrerTests } from './oci/referrers.ts';
import { restartTests } from './oci/restart.ts';
import { uploadSessionTests } from './oci/upload-sessions.ts';
import { uploadTests } from './oci/uploads.ts';

export interface RunningRegistry {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  stop(): Promise<void>;
  /**
   * Optional: stops the registry and starts it again on the same data (a new
   * process or app), resolving to its new base URL. Enables the restart tests.
   */
  restart?(): Promise<string>;
  /**
   * Optional: the upload sessions the registry holds (metadata records) and
   * upload objects in its storage. Enables the "nothing left behind" checks.
   */
  leftovers?(): Promise<{ sessions: number; objects: number }>;
}

export function ociApiSuite(name: string, start: () => Promise<RunningRegistry>): void {
  describe(`OCI API: ${name}`, () => {
    let running: RunningRegistry | undefined;
    let client: RegistryClient | undefined;
    const ctx: SuiteContext = {
      get url() {
        if (!running) throw new Error('registry not started');
        return running.url;
      },
      get client() {
        if (!client) throw new Error('registry not started');
        return client;
      },
      async leftovers() {
        return running?.leftovers ? running.leftovers() : null;
      },
      get canRestart() {
        return running?.restart !== undefined;
      },
      async restart() {
        if (!running?.restart) throw new Error('this registry cannot restart');
        running.url = await running.restart();
        client = new RegistryClient(running.url);
      },
    };
    before(async () => {
      running = await start();
      client = new RegistryClient(running.url);
    });
    after(async () => {
      await running?.stop();
    });

    blobTests(ctx);
    uploadTests(ctx);
    uploadSessionTests(ctx);
    mountTests(ctx);
    manifestTests(ctx);
    manifestValidationTests(ctx);
    listingTests(ctx);
    referrerTests(ctx);
    hostileTests(ctx);
    restartTests(ctx);
  });
}

/** `leftovers` for an in-process Berth: upload records in metadata, upload objects in storage. */
export async function uploadLeftovers(registry: Registry): Promise<{ sessions: number; objects: number }> {
  const sessions = (await registry.metadata.listUploads()).length;
  let objects = 0;
  for await (const _ of registry.storage.list('uploads/')) objects++;
  return { sessions, objects };
}

/**
 * An in-process Berth on a fresh data folder with `env` (database, storage
 * settings), restartable on the same data; `cleanup` runs after it stops.
 */
export async function inProcessRegistry(
  env: Record<string, string> = {},
  cleanup: () => Promise<void> = async () => {},
): Promise<RunningRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-'));
  let berth = await startInProcess({ dataDir, env });
  return {
    url: berth.url,
    async restart() {
      await berth.stop();
      berth = await startInProcess({ dataDir, env });
      return berth.url;
    },
    leftovers: () => uploadLeftovers(berth.berth.registry),
    async stop() {
      await berth.stop();
      await rm(dataDir, { recursive: true, force: true });
      await cleanup();
    },
  };
}
