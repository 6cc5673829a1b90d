/**
 * Uploads written straight to their blob's key. When the whole blob comes in
 * one request whose digest is known before the first byte (a monolithic PUT
 * or POST ?digest=), its bytes go as a multipart upload to the final key,
 * left open: nothing is visible there until the commit completes it, after
 * the digest was verified; a refused upload is aborted. This saves the
 * commit's server-side copy and the clean-up of the upload's folder, about a
 * tenth of a 256 MiB upload's time on Ceph RGW (bench/FINDINGS.md, session 15).
 *
 * An open multipart upload is invisible to listings of objects, so each
 * leaves a marker object in the upload's folder (`uploads/<id>/direct-…`,
 * naming its key and upload id) before its first part is sent: the folder's
 * clean-up (abort, the garbage collector's purge of stale uploads) finds and
 * aborts it even when the process died before the upload's state was saved.
 */
import { randomBytes } from 'node:crypto';
import {
  type CompletedPart,
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { type Bucket, StreamingObjectWriter } from './s3-multipart.ts';
import { abortIfOpen, headSize } from './s3-objects.ts';
import type { DirectUpload } from './s3-upload-state.ts';

export interface DirectWrite {
  target: Bucket;
  /** The upload's folder (`…uploads/<id>/`), where the marker goes. */
  folder: string;
  key: string;
  partSize: number;
  partConcurrency: number;
}

/**
 * Writes `head` then the rest of `source` as the parts of a multipart upload
 * to `key`, left open. On failure the multipart upload is aborted and the
 * marker removed.
 */
export async function writeDirect(
  w: DirectWrite,
  head: Buffer[],
  source: AsyncIterator<Buffer>,
): Promise<{ direct: DirectUpload; written: number }> {
  const writer = new StreamingObjectWriter(w.target, w.key, w.partSize, w.partConcurrency);
  const marker = `direct-${randomBytes(6).toString('hex')}`;
  let written = 0;
  let upload: string | null = null;
  try {
    upload = await writer.begin();
    await putJson(w.target, w.folder + marker, { key: w.key, upload });
    for (const chunk of head) {
      await writer.write(chunk);
      written += chunk.length;
    }
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      await writer.write(next.value);
      written += next.value.length;
    }
    await writer.finishOpen(1); // every byte sent: the last part may be smaller than the others
  } catch (err) {
    await writer.abort();
    if (upload) await deleteObject(w.target, w.folder + marker).catch(() => {});
    throw err;
  }
  return { direct: { key: w.key, upload, parts: writer.partCount, size: written, marker }, written };
}

/**
 * Makes the direct upload the object at its key: its parts (`listed`: all the multipart upload holds, every page)
 * are checked against the state, then completed.
 */
export async function completeDirect(
  target: Bucket,
  folder: string,
  direct: DirectUpload,
  listed: (CompletedPart & { Size: number })[],
): Promise<void> {
  const { client, bucket } = target;
  const parts = listed.filter((p) => (p.PartNumber ?? 0) <= direct.parts);
  const bytes = parts.reduce((sum, p) => sum + p.Size, 0);
  if (parts.length !== direct.parts || bytes !== direct.size) {
    throw new Error(`direct upload to ${direct.key} holds ${parts.length} of ${direct.parts} parts, ${bytes} bytes`);
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: direct.key,
      UploadId: direct.upload,
      MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
    }),
  );
  const made = await headSize(target, direct.key);
  if (made !== direct.size) throw new Error(`direct upload to ${direct.key} made ${made} bytes, not ${direct.size}`);
  await deleteObject(target, folder + direct.marker).catch(() => {}); // garbage only: the folder's clean-up takes it
}

/** Aborts the multipart upload a marker names (nothing when it is gone already). */
export async function abortMarked(target: Bucket, markerKey: string): Promise<void> {
  const { client, bucket } = target;
  let named: { key?: unknown; upload?: unknown };
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: markerKey }));
    named = JSON.parse((await out.Body?.transformToString()) ?? '{}');
  } catch (err) {
    if ((err as { name?: string })?.name === 'NoSuchKey') return;
    throw err;
  }
  if (typeof named.key !== 'string' || typeof named.upload !== 'string') return;
  await abortIfOpen(target, named.key, named.upload);
}

async function putJson(target: Bucket, key: string, value: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(value));
  await target.client.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, ContentLength: body.length }),
  );
}

async function deleteObject(target: Bucket, key: string): Promise<void> {
  await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
}
