/**
 * The storage a test's Berth processes share: the S3 server named by
 * S3_ENDPOINT (started once per CI run), else a shared folder.
 */
import { join } from 'node:path';

export async function storageEnv(work: string): Promise<{ env: NodeJS.ProcessEnv; release(): Promise<void> }> {
  if (!process.env.S3_ENDPOINT)
    return { env: { BERTH_STORAGE_ROOT: join(work, 'shared-storage') }, release: async () => {} };
  return {
    env: {
      BERTH_STORAGE_DRIVER: 's3',
      BERTH_S3_ENDPOINT: process.env.S3_ENDPOINT,
      BERTH_S3_ACCESS_KEY: process.env.S3_ACCESS_KEY,
      BERTH_S3_SECRET_KEY: process.env.S3_SECRET_KEY,
      BERTH_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
      BERTH_S3_BUCKET: process.env.S3_BUCKET ?? 'berth-test',
      BERTH_S3_PREFIX: `multinode-${Date.now()}/`,
    },
    release: async () => {},
  };
}
