import { createHash, type Hash } from 'node:crypto';
import { digestInvalid } from './errors.ts';
import type { RunningHash } from './ports.ts';

/** Digest algorithms Berth accepts, with the length of their hex encoding. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses `algorithm:hex`, or throws DIGEST_INVALID (UNSUPPORTED for unknown algorithms). */
export function parseDigest(value: string): ParsedDigest {
  const m = DIGEST_RE.exec(value);
  if (!m) throw digestInvalid('invalid digest format', { digest: value });
  const algorithm = m[1] as DigestAlgorithm;
  const length = ALGORITHMS[algorithm];
  if (length === undefined) throw digestInvalid(`unsupported digest algorithm ${m[1]}`, { digest: value });
  if (m[2].length !== length || !/^[a-f0-9]+$/.test(m[2])) {
    throw digestInvalid('invalid digest encoding', { digest: value });
  }
  return { algorithm, hex: m[2] };
}

export function isDigest(value: string): boolean {
  // Tags never contain ':': answer them without building an exception (manifest GET by tag is a hot path).
  if (!value.includes(':')) return false;
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function newHash(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

/** A RunningHash computed on the calling thread (SHA-256 unless another algorithm is named). */
export function inlineHash(algorithm = 'sha256'): RunningHash {
  const hash = createHash(algorithm);
  return {
    update(chunk) {
      hash.update(chunk);
      return undefined;
    },
    settle() {},
    digest: async () => hash.digest('hex'),
    drop() {},
  };
}

export function digestOf(data: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Storage key of a content-addressed object: `blobs/sha256/ab/abcdef…`. */
export function blobKey(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex.slice(0, 2)}/${hex}`;
}
