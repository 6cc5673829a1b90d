/**
 * The token signing key: an ES256 (P-256) key pair generated on first start
 * and kept as a private JWK (mode 0600) in the data folder.
 */
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SigningKeys } from '../../core/access/ports.ts';

export type { SigningKeys };

async function fromJwk(jwk: JWK): Promise<SigningKeys> {
  const { d: _d, ...pub } = jwk;
  const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
  const publicKey = (await importJWK(pub, 'ES256')) as CryptoKey;
  const kid = await calculateJwkThumbprint(pub);
  return { privateKey, publicKey, kid, publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' } };
}

export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return fromJwk(await exportJWK(privateKey));
}

/** Loads the key pair from `file`, creating it the first time. */
export async function loadOrCreateSigningKeys(file: string): Promise<SigningKeys> {
  try {
    return await fromJwk(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(jwk), { mode: 0o600, flush: true });
  try {
    // link() never replaces: when two nodes start at once on a shared path, the first key wins.
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fromJwk(JSON.parse(await readFile(file, 'utf8')));
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return fromJwk(jwk);
}
