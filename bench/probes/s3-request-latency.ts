/**
 * Small S3 requests on kept-alive connections, each alone and two at once: their milliseconds. On an S3 server that
 * writes a response in two pieces with Nagle's algorithm on (Ceph RGW's beast frontend without tcp_nodelay=1), a
 * request alone waits ~40 ms for the client's delayed ACK; one sent beside it does not.
 * S3_ENDPOINT… from scripts/s3-up.sh's s3.env.
 *   ROUNDS=4 node --import tsx bench/probes/s3-request-latency.ts
 */
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

const env = process.env;
const Bucket = env.S3_BUCKET ?? '';
const prefix = `latency-${process.pid}/`;
const client = new S3Client({
  region: env.S3_REGION ?? 'us-east-1',
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: env.S3_ACCESS_KEY ?? '', secretAccessKey: env.S3_SECRET_KEY ?? '' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const ms = async (send: () => Promise<unknown>): Promise<string> => {
  const t0 = performance.now();
  await send();
  return (performance.now() - t0).toFixed(0);
};
const listUploads = () => client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix }));
const listObjects = () => client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
const head = () => client.send(new HeadObjectCommand({ Bucket, Key: `${prefix}object` }));

await client.send(new PutObjectCommand({ Bucket, Key: `${prefix}object`, Body: 'x' }));
for (let round = 0; round < Number(env.ROUNDS ?? 4); round++) {
  const alone = [await ms(listUploads), await ms(listObjects), await ms(head)];
  const together = await Promise.all([ms(listUploads), ms(listObjects)]);
  await client.send(new PutObjectCommand({ Bucket, Key: `${prefix}gone`, Body: 'x' }));
  const remove = await ms(() =>
    client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: `${prefix}gone` }] } })),
  );
  process.stdout.write(
    `alone: ListMultipartUploads ${alone[0]} ms, ListObjectsV2 ${alone[1]}, HeadObject ${alone[2]}, DeleteObjects ${remove}; ` +
      `ListMultipartUploads and ListObjectsV2 at once: ${together.join(' and ')} ms\n`,
  );
}
await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: `${prefix}object` }] } }));
client.destroy();
