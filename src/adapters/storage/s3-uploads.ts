/**
 * Uploads of the S3 driver. Every append streams into new objects of its own
 * under `uploads/<id>/` (see s3-upload-state.ts for the layout): no blob is
 * ever held whole in memory, an upload's bytes stay readable while it is
 * open (for rehashing on another node), and an interrupted or dropped append
 * leaves the previous state intact. The commit assembles the pieces into the
 * final key server-side (one CopyObject when there is one piece, else
 * UploadPartCopy of each into a multipart upload).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { UploadState } from '../../core/ports.ts';
import {
  type AssemblyPart,
  assemble,
  type Bucket,
  copyObject,
  copyParts,
  StreamingObjectWriter,
} from './s3-multipart.ts';
import { headSize, listObjects, openObject } from './s3-objects.ts';
import {
  emptyState,
  MIN_PART,
  type Piece,
  parseState,
  type S3UploadState,
  stateSize,
  total,
  truncateState,
  used,
} from './s3-upload-state.ts';

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
    for (const piece of pieces) {
      if (used(piece) === 0) continue;
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
  ): Promise<{ state: UploadState; written: number }> {
    checkId(id);
    // Bytes past `offset` belong to no state we keep: cutting the state drops them.
    const current = truncateState(parseState(state), offset);
    const iterator = source[Symbol.asyncIterator]();
    let exhausted = false;
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
      // A new segment: the pending bytes, the new ones, and the rest of the source.
      const piece = newPiece('s', stateSize(current));
      const { partSize, partConcurrency } = this.settings;
      const writer = new StreamingObjectWriter(this.target, this.pieceKey(id, piece), partSize, partConcurrency);
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
        piece.size = await writer.finish();
      } catch (err) {
        await writer.abort();
        throw err;
      }
      const next: S3UploadState = { v: 1, segments: [...current.segments, piece], pending: [] };
      return { state: next, written };
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

  private async put(s3Key: string, body: Buffer): Promise<void> {
    await this.target.client.send(
      new PutObjectCommand({ Bucket: this.target.bucket, Key: s3Key, Body: body, ContentLength: body.length }),
    );
  }

  async reader(id: string, state: UploadState, size: number): Promise<Readable> {
    checkId(id);
    const upload = truncateState(parseState(state), size);
    const pieces = [...upload.segments, ...upload.pending].filter((piece) => used(piece) > 0);
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
    const { segments, pending } = truncateState(parseState(state), size);
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
    const made = await headSize(this.target, s3Key);
    if (made !== size) throw new Error(`commit of upload ${id} made ${made} bytes, not ${size}`);
    // The blob is in place; what is left is garbage a later abort or sweep can also remove.
    await this.remove(id).catch(() => {});
  }

  /** Deletes every object and aborts every multipart upload under `uploads/<id>/`. */
  async remove(id: string): Promise<void> {
    const folder = this.folder(id);
    const { client, bucket } = this.target;
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: folder, ...marker }));
      for (const upload of page.Uploads ?? []) {
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }))
          .catch((err: unknown) => {
            if ((err as { name?: string })?.name !== 'NoSuchUpload') throw err;
          });
      }
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
    const keys: string[] = [];
    for await (const object of listObjects(this.target, folder, 1000)) keys.push(object.key);
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
  }
}
