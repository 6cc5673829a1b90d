/** Berth's version, read once from package.json (two folders up from src/core and dist/core alike). */
import { readFileSync } from 'node:fs';

export const BERTH_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
