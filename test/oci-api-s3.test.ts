/** The shared OCI API suite against SQLite metadata and the S3 driver on a real S3 server (Ceph RGW). */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Driver } from '../src/adapters/storage/s3.ts';
import { ociApiSuite, uploadLeftovers } from './suites/oci-api.ts';
import { startInProcess } from './support/inprocess.ts';
import { startS3 } from './support/s3-server.ts';

ociApiSuite('sqlite + s3', async () => {
  const s3 = await startS3();
  const bucket = 'berth-oci-test';
  const setup = new S3Driver({
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  await setup.ensureBucket();
  setup.close();
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-oci-api-s3-'));
  const env = {
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_S3_ENDPOINT: s3.endpoint,
    BERTH_S3_REGION: s3.region,
    BERTH_S3_BUCKET: bucket,
    BERTH_S3_PREFIX: `oci-${randomUUID()}`,
    BERTH_S3_ACCESS_KEY: s3.accessKeyId,
    BERTH_S3_SECRET_KEY: s3.secretAccessKey,
  };
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
      await s3.stop();
    },
  };
});
