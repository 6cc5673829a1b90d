/**
 * Uploads of the S3 driver. Appends stream into objects under
 * `uploads/<id>/` (see s3-upload-state.ts for the layout): no blob is ever
 * held whole in memory, and an interrupted or dropped append leaves the
 * previous state intact. An append's segment is left as an open multipart
 * upload, and the next append (on any node: its id and part count are in
 * the state) adds its bytes as further parts, so a chunked upload is one
 * object like a monolithic one. Reading an upload back (rehashing on another
 * node) completes the open segment first. The commit assembles the pieces
 * into the final key server-side (one CopyObject when there is one piece,
 * else UploadPartCopy of each into a multipart upload). An append that is
 * the whole upload, with its final key known, skips all this: it goes to
 * that key directly (s3-direct-upload.ts).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type CompletedPart,
  CompleteMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NotFoundError, type UploadState } from '../../core/ports.ts';
import { abortMarked, completeDirect, writeDirect } from './s3-direct-upload.ts';
import {
  type AssemblyPart,
  assemble,
  type Bucket,
  copyObject,
  copyParts,
  payloadSha256,
  StreamingObjectWriter,
  withPayloadSha256,
} from './s3-multipart.ts';
import { abortIfOpen, headSize, isNoSuchUpload, listObjects, openObject } from './s3-objects.ts';
import {
  emptyState,
  isMarker,
  MIN_PART,
  type Piece,
  parseState,
  type S3UploadState,
  stateSize,
  total,
  truncateState,
  used,
} from './s3-upload-state.ts';

interface OpenUpload {
  Key: string;
  UploadId: string;
}

interface FolderContents {
  keys: string[];
  uploads: OpenUpload[];
}

/** Small pieces one upload may hold before they are merged into one (bounds the state's size). */
const MAX_PENDING = 16;

export interface UploadSettings {
  /** The driver's key prefix ('' or ending in '/'). */
  prefix: string;
  partSize: number;
  partConcurrency: number;
  copyConcurrency: number;
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id === '.' || id === '..') throw new Error(`invalid upload id: ${id}`);
}

function newPiece(kind: 's' | 'p', offset: number): Piece {
  return { name: `${kind}-${offset}-${randomBytes(6).toString('hex')}`, size: 0 };
}

export class S3Uploads {
  constructor(
    private readonly target: Bucket,
    private readonly settings: UploadSettings,
  ) {}

  private folder(id: string): string {
    checkId(id);
    return `${this.settings.prefix}uploads/${id}/`;
  }

  private pieceKey(id: string, piece: Piece): string {
    return this.folder(id) + piece.name;
  }

  private openPiece(id: string, piece: Piece) {
    return openObject(this.target, this.pieceKey(id, piece), `uploads/${id}/${piece.name}`, {
      start: 0,
      end: used(piece) - 1,
    });
  }

  private async readPieces(id: string, pieces: Piece[]): Promise<Buffer> {
    const buffers: Buffer[] = [];
    for (const open of pieces) {
      if (used(open) === 0) continue;
      const piece = await this.settle(id, open);
      for await (const chunk of (await this.openPiece(id, piece)).body) buffers.push(chunk as Buffer);
    }
    return Buffer.concat(buffers);
  }

  async start(id: string): Promise<UploadState> {
    checkId(id);
    // Nothing to create: an upload's objects appear with its first bytes.
    return emptyState();
  }

  async append(
    id: string,
    state: UploadState,
    offset: number,
    source: AsyncIterable<Buffer>,
    wholeKey?: string,
  ): Promise<{ state: UploadState; written: number }> {
    checkId(id);
    const parsed = parseState(state);
    if (parsed.direct) throw new Error(`upload ${id} was sent whole to ${parsed.direct.key}: it takes no more bytes`);
    // Bytes past `offset` belong to no state we keep: cutting the state drops them.
    const current = truncateState(parsed, offset);
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
    // Whether the last segment still takes parts is asked while the first bytes arrive (a ListParts per PATCH).
    const last = current.segments.at(-1);
    const lastOpen = last?.upload && used(last) === last.size ? this.isOpen(id, last) : Promise.resolve(false);
    lastOpen.catch(() => {}); // awaited below, unless the bytes are too few for a part
    try {
      // Gather new bytes until, with the pending ones, they make a part.
      const pendingBytes = total(current.pending);
      const head: Buffer[] = [];
      let written = 0;
      while (pendingBytes + written < MIN_PART) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        head.push(next.value);
        written += next.value.length;
      }
      if (exhausted) {
        if (written === 0) return { state: current, written };
        return { state: await this.addPending(id, current, head, written), written };
      }
      const { partSize, partConcurrency } = this.settings;
      if (wholeKey && stateSize(current) === 0) {
        const where = { target: this.target, folder: this.folder(id), key: wholeKey, partSize, partConcurrency };
        const { direct, written: sent } = await writeDirect(where, head, iterator);
        exhausted = true;
        return { state: { ...emptyState(), direct }, written: sent };
      }
      // More parts of the open last segment, or a new segment: the pending bytes, the new ones, and the rest of the source.
      const resumed = (await lastOpen) ? last : null;
      const piece = resumed ?? newPiece('s', stateSize(current));
      const writer = new StreamingObjectWriter(this.target, this.pieceKey(id, piece), partSize, partConcurrency);
      if (resumed?.upload) writer.resume(resumed.upload.id, resumed.upload.parts);
      let rest: Buffer;
      try {
        if (pendingBytes > 0) await writer.write(await this.readPieces(id, current.pending));
        for (const chunk of head) await writer.write(chunk);
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          await writer.write(next.value);
          written += next.value.length;
        }
        exhausted = true;
        // Left open for the next append; bytes too few for a part wait as a pending piece.
        rest = await writer.finishOpen(MIN_PART);
      } catch (err) {
        await writer.abort();
        throw err;
      }
      const uploadId = writer.openUploadId;
      if (uploadId === null) throw new Error(`upload ${id}: no part was sent`);
      const segment: Piece = {
        name: piece.name,
        size: (resumed?.size ?? 0) + writer.size - rest.length,
        upload: { id: uploadId, parts: writer.partCount },
      };
      const segments = resumed ? [...current.segments.slice(0, -1), segment] : [...current.segments, segment];
      const pending: Piece[] = [];
      if (rest.length > 0) {
        const tail = newPiece('p', total(segments));
        tail.size = rest.length;
        await this.put(this.pieceKey(id, tail), rest);
        pending.push(tail);
      }
      return { state: { v: 1, segments, pending }, written };
    } finally {
      if (!exhausted) await iterator.return?.().catch(() => {});
    }
  }

  /** Stores new bytes (fewer than a part with the pending ones) as a pending piece. */
  private async addPending(id: string, state: S3UploadState, chunks: Buffer[], bytes: number): Promise<S3UploadState> {
    let pending = state.pending;
    let body = Buffer.concat(chunks, bytes);
    if (pending.length >= MAX_PENDING) {
      // Too many small pieces: merge them into one (the old ones stay for older states).
      body = Buffer.concat([await this.readPieces(id, pending), body]);
      pending = [];
    }
    const piece = newPiece('p', total(state.segments) + total(pending));
    piece.size = body.length;
    await this.put(this.pieceKey(id, piece), body);
    return { v: 1, segments: state.segments, pending: [...pending, piece] };
  }

  /** True while the multipart upload of an open piece can take more parts (a reader may have completed it). */
  private async isOpen(id: string, piece: Piece): Promise<boolean> {
    if (!piece.upload) return false;
    const { client, bucket } = this.target;
    try {
      await client.send(
        new ListPartsCommand({ Bucket: bucket, Key: this.pieceKey(id, piece), UploadId: piece.upload.id, MaxParts: 1 }),
      );
      return true;
    } catch (err) {
      if (isNoSuchUpload(err)) return false;
      throw err;
    }
  }

  /** Every part of a multipart upload (number, ETag, size), in order; null when the upload is no more. */
  private async listParts(s3Key: string, uploadId: string): Promise<(CompletedPart & { Size: number })[] | null> {
    const { client, bucket } = this.target;
    const parts: (CompletedPart & { Size: number })[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListPartsCommand({ Bucket: bucket, Key: s3Key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const part of page.Parts ?? []) {
          if (part.PartNumber !== undefined)
            parts.push({ PartNumber: part.PartNumber, ETag: part.ETag, Size: part.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (err) {
      if (isNoSuchUpload(err)) return null;
      throw err;
    }
    return parts.sort((x, y) => (x.PartNumber ?? 0) - (y.PartNumber ?? 0));
  }

  /**
   * An open piece made an object: its multipart upload completed (unless
   * something completed it already). Returns the piece as a plain one; a
   * plain piece as it is. Parts past those the state lists (sent by an
   * append whose state was dropped) are completed too, past the piece's
   * length: Ceph RGW refuses to complete an upload with only some of its parts.
   */
  private async settle(id: string, piece: Piece): Promise<Piece> {
    if (!piece.upload) return piece;
    const s3Key = this.pieceKey(id, piece);
    const { client, bucket } = this.target;
    const parts = await this.listParts(s3Key, piece.upload.id);
    if (parts) {
      const count = piece.upload.parts;
      const listed = parts.filter((part) => (part.PartNumber ?? 0) <= count);
      const bytes = listed.reduce((sum, part) => sum + part.Size, 0);
      if (listed.length !== count || parts.some((part, i) => part.PartNumber !== i + 1) || bytes !== piece.size) {
        throw new Error(
          `upload ${id}: segment ${piece.name} holds ${listed.length} of its ${count} parts, ${bytes} of ${piece.size} bytes`,
        );
      }
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: s3Key,
            UploadId: piece.upload.id,
            MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
          }),
        );
      } catch (err) {
        if (!isNoSuchUpload(err)) throw err; // completed meanwhile by another reader
      }
    }
    // Completed by a reader or a commit that failed later, perhaps with more parts than this state lists.
    const size = await headSize(this.target, s3Key);
    if (size === null || size < used(piece)) throw new Error(`upload ${id}: segment ${piece.name} is missing or short`);
    return size === used(piece) ? { name: piece.name, size } : { name: piece.name, size, length: used(piece) };
  }

  private async put(s3Key: string, body: Buffer): Promise<void> {
    await this.target.client.send(
      new PutObjectCommand({ Bucket: this.target.bucket, Key: s3Key, Body: body, ContentLength: body.length }),
    );
  }

  async reader(id: string, state: UploadState, size: number): Promise<Readable> {
    checkId(id);
    const parsed = parseState(state);
    if (parsed.direct) {
      // Its bytes cannot be read without making them visible at the final key: the upload is given up.
      await this.remove(id);
      throw new NotFoundError(`uploads/${id} (sent whole to its final key)`);
    }
    const upload = truncateState(parsed, size);
    const listed = [...upload.segments, ...upload.pending].filter((piece) => used(piece) > 0);
    const pieces = await Promise.all(listed.map((piece) => this.settle(id, piece)));
    // Open the first piece now, so that a missing upload fails here rather than mid-stream.
    const first = pieces.length > 0 ? await this.openPiece(id, pieces[0]) : null;
    const open = (piece: Piece) => this.openPiece(id, piece);
    async function* bytes(): AsyncIterable<Buffer> {
      for (const [index, piece] of pieces.entries()) {
        const { body } = index === 0 && first ? first : await open(piece);
        for await (const chunk of body) yield chunk as Buffer;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** Makes the first `size` bytes the object `s3Key`, then removes the upload's objects. */
  async commit(id: string, state: UploadState, size: number, s3Key: string): Promise<void> {
    checkId(id);
    const parsed = parseState(state);
    if (parsed.direct) {
      const { key, size: sent } = parsed.direct;
      if (key !== s3Key || sent !== size)
        throw new Error(`upload ${id} holds ${sent} bytes for ${key}, not ${size} for ${s3Key}`);
      const listed = await this.listParts(key, parsed.direct.upload);
      if (!listed) throw new Error(`upload ${id}: its multipart upload to ${key} is gone`);
      await completeDirect(this.target, this.folder(id), parsed.direct, listed);
      return;
    }
    const truncated = truncateState(parsed, size);
    let { segments, pending } = truncated;
    const last = segments.at(-1);
    const lastParts =
      last?.upload && used(last) === last.size && total(pending) > 0
        ? await this.listParts(this.pieceKey(id, last), last.upload.id)
        : null;
    if (last?.upload && lastParts && lastParts.length === last.upload.parts) {
      // The pending bytes (under 5 MiB) become the open segment's last part: one object, copied whole below.
      const body = await this.readPieces(id, pending);
      const PartNumber = last.upload.parts + 1;
      const command = new UploadPartCommand({
        Bucket: this.target.bucket,
        Key: this.pieceKey(id, last),
        UploadId: last.upload.id,
        PartNumber,
        Body: body,
        ContentLength: body.length,
      });
      await this.target.client.send(withPayloadSha256(command, await payloadSha256(body)));
      segments = [
        ...segments.slice(0, -1),
        { name: last.name, size: last.size + body.length, upload: { id: last.upload.id, parts: PartNumber } },
      ];
      pending = [];
    }
    segments = await Promise.all(segments.map((piece) => this.settle(id, piece)));
    pending = await Promise.all(pending.map((piece) => this.settle(id, piece)));
    // Nothing is added to the folder from here: it is listed while the blob is made, and cleared once it is (on
    // an RGW with Nagle on, a listing alone took ~45 ms, beside the copy 5; bench/FINDINGS.md, "Session 16").
    const folder = this.folder(id);
    const listing = this.listFolder(folder);
    listing.catch(() => {}); // awaited below, unless making the blob fails first
    const pieces = [...segments, ...pending];
    const { copyConcurrency } = this.settings;
    if (size === 0) {
      await this.put(s3Key, Buffer.alloc(0));
    } else if (segments.length === 0 && pending.length > 1) {
      await this.put(s3Key, await this.readPieces(id, pending)); // under 5 MiB
    } else if (pieces.length === 1 && used(pieces[0]) === pieces[0].size) {
      await copyObject(this.target, this.pieceKey(id, pieces[0]), s3Key, pieces[0].size, copyConcurrency);
    } else {
      const parts: AssemblyPart[] = segments.flatMap((piece) => copyParts(this.pieceKey(id, piece), used(piece)));
      if (pending.length === 1) {
        parts.push({ kind: 'copy', key: this.pieceKey(id, pending[0]), start: 0, end: used(pending[0]) - 1 });
      } else if (pending.length > 1) {
        parts.push({ kind: 'bytes', body: () => this.readPieces(id, pending) });
      }
      await assemble(this.target, s3Key, parts, copyConcurrency);
    }
    // The blob is in place: what is left is garbage, cleared while the blob's size is checked. Should the check
    // fail, the upload is given up anyway (core/uploads.ts aborts it), and a failed clear is left to that abort
    // or to fsck.
    const [made] = await Promise.all([
      headSize(this.target, s3Key),
      listing.then((listed) => this.clear(folder, listed)).catch(() => {}),
    ]);
    if (made !== size) throw new Error(`commit of upload ${id} made ${made} bytes, not ${size}`);
  }

  /** Deletes every object and aborts every multipart upload under `uploads/<id>/`. */
  async remove(id: string): Promise<void> {
    const folder = this.folder(id);
    await this.clear(folder, await this.listFolder(folder));
  }

  /** The folder's objects and its open multipart uploads, the two listed at once. */
  private async listFolder(folder: string): Promise<FolderContents> {
    const [keys, uploads] = await Promise.all([this.listKeys(folder), this.listOpenUploads(folder)]);
    return { keys, uploads };
  }

  private async listKeys(folder: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of listObjects(this.target, folder, 1000)) keys.push(object.key);
    return keys;
  }

  private async listOpenUploads(folder: string): Promise<OpenUpload[]> {
    const { client, bucket } = this.target;
    const uploads: OpenUpload[] = [];
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: folder, ...marker }));
      for (const { Key, UploadId } of page.Uploads ?? []) if (Key && UploadId) uploads.push({ Key, UploadId });
      if (!page.IsTruncated) return uploads;
      marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }

  /** Aborts what a listing of the folder found open (and what its markers name) and deletes its objects. */
  private async clear(folder: string, { keys, uploads }: FolderContents): Promise<void> {
    const { client, bucket } = this.target;
    const aborts = async () => {
      for (const { Key, UploadId } of uploads) await abortIfOpen(this.target, Key, UploadId);
    };
    const deletes = async () => {
      // Direct uploads' markers: their multipart uploads lie outside the folder.
      for (const key of keys) if (isMarker(key.slice(folder.length))) await abortMarked(this.target, key);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000).map((Key) => ({ Key }));
        const out = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
        );
        const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          throw new Error(`could not delete ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
        }
      }
    };
    await Promise.all([aborts(), deletes()]);
  }
}
