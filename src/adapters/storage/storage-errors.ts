/**
 * Storage failures a client can be told about: a full filesystem (or quota)
 * is `STORAGE_FULL` (507), a read-only or unwritable one `STORAGE_UNAVAILABLE`
 * (503), each naming the folder, instead of a bare 500. Anything else is
 * passed on unchanged.
 */
import { RegistryError } from '../../core/errors.ts';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);

export function storageError(err: unknown, where: string): unknown {
  if (err instanceof RegistryError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (FULL.has(code))
    return new RegistryError('STORAGE_FULL', `storage is full (${code}) at ${where}: free space and retry`, undefined, {
      cause: err,
    });
  if (UNWRITABLE.has(code))
    return new RegistryError(
      'STORAGE_UNAVAILABLE',
      `storage cannot be written (${code}) at ${where}: it is read-only or not writable by this process`,
      undefined,
      { cause: err },
    );
  return err;
}
