/**
 * The state of an S3 upload in progress, as kept (opaque, JSON) in the metadata store.
 *
 * An upload's bytes are a sequence of objects under `uploads/<id>/`, each used
 * from its start for `length` bytes (`size` when absent):
 *   segments  objects of at least 5 MiB each (the minimum S3 part size), written
 *             by PutObject or, when large, by a multipart upload of their own;
 *             at commit each becomes a part of the final object (UploadPartCopy)
 *   pending   after the segments, small objects that together hold fewer than
 *             5 MiB; the next append that reaches 5 MiB reads them back and
 *             writes them at the head of a new segment
 * Objects are never overwritten (each name is new), so an older state stays
 * valid when a newer one is dropped: only what a state lists is the upload.
 *
 * The last segment may still be open: its object does not exist yet, its
 * bytes are the first `upload.parts` parts of the multipart upload
 * `upload.id` to its key (each at least 5 MiB), and the next append sends its
 * bytes as further parts of the same upload rather than a segment of its own
 * (a chunked upload's PATCHes then need no server-side copy at commit). A
 * newer state lists more parts of it; an older one, fewer: completion uses
 * only the parts the state lists, and parts past them are overwritten by the
 * next append. Reading it (uploadReader, commit) completes it first; so does
 * anything that finds it anywhere but last, fully used (a truncated state).
 */

/** The minimum size of every part of a multipart upload but the last (S3's rule). */
export const MIN_PART = 5 * 1024 * 1024;

export interface Piece {
  /** Object name inside the upload's folder. */
  name: string;
  /** Size of the object. */
  size: number;
  /** Bytes of it that belong to the upload (from its start), when fewer than `size`. */
  length?: number;
  /** An open segment: the multipart upload holding its bytes, and how many of its parts are the segment's. */
  upload?: { id: string; parts: number };
}

/** A whole upload held in an open multipart upload to its final key. */
export interface DirectUpload {
  /** The final object's S3 key. */
  key: string;
  /** The multipart upload's id. */
  upload: string;
  parts: number;
  size: number;
  /** The marker's object name in the upload's folder. */
  marker: string;
}

const MARKER = /^direct-[0-9a-f]{12}$/;

/** True for an object name of the upload folder that is a direct upload's marker. */
export function isMarker(name: string): boolean {
  return MARKER.test(name);
}

function parseDirect(value: unknown): DirectUpload {
  const d = value as Partial<DirectUpload> | null;
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (
    !d ||
    typeof d.key !== 'string' ||
    d.key === '' ||
    typeof d.upload !== 'string' ||
    d.upload === '' ||
    !count(d.parts) ||
    !count(d.size) ||
    typeof d.marker !== 'string' ||
    !isMarker(d.marker)
  ) {
    throw new Error(`invalid S3 direct upload state: ${JSON.stringify(value)}`);
  }
  return { key: d.key, upload: d.upload, parts: d.parts as number, size: d.size as number, marker: d.marker };
}

export type S3UploadState = {
  v: 1;
  segments: Piece[];
  pending: Piece[];
  /** The whole upload, written straight to its final key (s3-direct-upload.ts); segments and pending are empty. */
  direct?: DirectUpload;
};

export function emptyState(): S3UploadState {
  return { v: 1, segments: [], pending: [] };
}

export const used = (piece: Piece): number => piece.length ?? piece.size;
export const total = (pieces: Piece[]): number => pieces.reduce((sum, piece) => sum + used(piece), 0);
export const stateSize = (state: S3UploadState): number => total(state.segments) + total(state.pending);

const NAME = /^[sp]-[0-9]+-[0-9a-f]{8,32}$/;
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function parsePiece(value: unknown): Piece {
  const piece = value as Partial<Piece> | null;
  const upload = piece?.upload;
  if (
    !piece ||
    typeof piece.name !== 'string' ||
    !NAME.test(piece.name) ||
    !isCount(piece.size) ||
    (piece.length !== undefined && (!isCount(piece.length) || piece.length > piece.size)) ||
    (upload !== undefined &&
      (typeof upload?.id !== 'string' || upload.id === '' || !isCount(upload.parts) || upload.parts < 1))
  ) {
    throw new Error(`invalid S3 upload state piece: ${JSON.stringify(value)}`);
  }
  return withUpload(
    piece.length === undefined || piece.length === piece.size
      ? { name: piece.name, size: piece.size }
      : { name: piece.name, size: piece.size, length: piece.length },
    upload,
  );
}

function withUpload(piece: Piece, upload: Piece['upload']): Piece {
  return upload ? { ...piece, upload: { id: upload.id, parts: upload.parts } } : piece;
}

/** Checks and copies a state read back from the metadata store. */
export function parseState(value: Record<string, unknown>): S3UploadState {
  if (value.v !== 1 || !Array.isArray(value.segments) || !Array.isArray(value.pending)) {
    throw new Error('invalid S3 upload state');
  }
  const state: S3UploadState = {
    v: 1,
    segments: value.segments.map(parsePiece),
    pending: value.pending.map(parsePiece),
  };
  if (value.direct === undefined) return state;
  if (state.segments.length > 0 || state.pending.length > 0) throw new Error('invalid S3 upload state');
  return { ...state, direct: parseDirect(value.direct) };
}

function cut(pieces: Piece[], bytes: number): { kept: Piece[]; left: number } {
  const kept: Piece[] = [];
  let left = bytes;
  for (const piece of pieces) {
    if (left === 0) break;
    const take = Math.min(used(piece), left);
    kept.push(
      withUpload(
        take === piece.size
          ? { name: piece.name, size: piece.size }
          : { name: piece.name, size: piece.size, length: take },
        piece.upload,
      ),
    );
    left -= take;
  }
  return { kept, left };
}

/**
 * The state holding only the first `size` bytes. A segment cut below the
 * minimum part size becomes pending (it is then the last piece).
 */
export function truncateState(state: S3UploadState, size: number): S3UploadState {
  const have = stateSize(state);
  if (!isCount(size) || size > have) {
    throw new Error(`upload holds ${have} bytes, fewer than the ${size} asked for`);
  }
  const segments = cut(state.segments, size);
  const pending = cut(state.pending, segments.left);
  const last = segments.kept.at(-1);
  if (last && used(last) < MIN_PART) {
    segments.kept.pop();
    return { v: 1, segments: segments.kept, pending: [last] };
  }
  return { v: 1, segments: segments.kept, pending: pending.kept };
}
