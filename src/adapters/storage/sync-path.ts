import { open } from 'node:fs/promises';

/**
 * fsync (or, with `dataOnly`, fdatasync) of a file or folder by path, on a
 * descriptor of its own: a flush covers the file whichever descriptor wrote it.
 */
export async function syncPath(path: string, dataOnly = false): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await (dataOnly ? fh.datasync() : fh.sync());
  } finally {
    await fh.close();
  }
}
