/**
 * The encryption secret for stored credentials when none is configured:
 * generated once (256 random bits, base64url) and kept in a file readable
 * only by its owner, so restarts decrypt what earlier runs sealed.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function loadOrCreateSecretKey(file: string): Promise<{ key: string; generated: boolean }> {
  const existing = await readKey(file);
  if (existing) return { key: existing, generated: false };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  // Written whole under a private name, then linked into place: link fails if
  // another process got there first, and nobody ever reads a half-written key.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${key}\n`, { mode: 0o600, flush: true });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const theirs = await readKey(file);
    if (!theirs) throw e;
    return { key: theirs, generated: false };
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return { key, generated: true };
}

async function readKey(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const key = text.trim();
  if (key.length < 16) throw new Error(`${file} holds no usable key (fewer than 16 characters)`);
  return key;
}
