/**
 * The raw S3 server's PUT and GET of FILE (bench/workloads/s3ceiling.ts: AWS SDK multipart, 16 MiB parts, 4 at
 * once), for probes that compare Berth with it in the same minutes. S3_ENDPOINT… from scripts/s3-up.sh's s3.env.
 *   node --import tsx bench/probes/s3-raw-put.ts FILE
 */
import { s3Ceiling } from '../workloads/s3ceiling.ts';

const env = process.env;
const c = await s3Ceiling(
  {
    endpoint: env.S3_ENDPOINT ?? '',
    region: env.S3_REGION ?? 'us-east-1',
    bucket: env.S3_BUCKET ?? '',
    accessKey: env.S3_ACCESS_KEY ?? '',
    secretKey: env.S3_SECRET_KEY ?? '',
  },
  process.argv[2],
);
process.stdout.write(`raw S3: PUT ${c.putMBps.toFixed(1)} MB/s, GET ${c.getMBps.toFixed(1)} MB/s\n`);
