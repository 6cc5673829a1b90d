/**
 * The S3 server's own ceiling, outside Berth: a multipart PUT of the big file
 * with the AWS SDK (lib-storage, 16 MiB parts, 4 at a time) and a GET of it
 * streamed to nowhere, against the same server and bucket the S3 section
 * uses. Berth's uploads and downloads are then read as a fraction of these.
 */
import { createReadStream, statSync } from 'node:fs';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { now, since } from '../lib/proc.ts';
import { mbps } from '../lib/stats.ts';

export interface S3Target {
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export async function s3Ceiling(target: S3Target, file: string): Promise<{ putMBps: number; getMBps: number }> {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
  });
  const key = `ceiling/${Date.now()}`;
  const size = statSync(file).size;
  try {
    let t0 = now();
    await new Upload({
      client,
      params: { Bucket: target.bucket, Key: key, Body: createReadStream(file, { highWaterMark: 4 << 20 }) },
      partSize: 16 << 20,
      queueSize: 4,
    }).done();
    const putMs = since(t0);
    t0 = now();
    const got = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    let n = 0;
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) n += chunk.length;
    const getMs = since(t0);
    if (n !== size) throw new Error(`S3 GET returned ${n} bytes, want ${size}`);
    return { putMBps: mbps(size, putMs), getMBps: mbps(size, getMs) };
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key })).catch(() => {});
    client.destroy();
  }
}
