/** The shared OCI API suite against SQLite metadata and the S3 driver on a real S3 server (Ceph RGW). */
import { randomUUID } from 'node:crypto';
import { S3Driver } from '../src/adapters/storage/s3.ts';
import { inProcessRegistry, ociApiSuite } from './suites/oci-api.ts';
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
  return inProcessRegistry(
    {
      BERTH_STORAGE_DRIVER: 's3',
      BERTH_S3_ENDPOINT: s3.endpoint,
      BERTH_S3_REGION: s3.region,
      BERTH_S3_BUCKET: bucket,
      BERTH_S3_PREFIX: `oci-${randomUUID()}`,
      BERTH_S3_ACCESS_KEY: s3.accessKeyId,
      BERTH_S3_SECRET_KEY: s3.secretAccessKey,
    },
    () => s3.stop(),
  );
});
