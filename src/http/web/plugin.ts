/**
 * Serves the web console (web/dist, built by `npm run build:web`) at `/`.
 * Any other GET that is not an API or /v2 path answers with index.html, so
 * the console's own routes (/projects/team/…) survive a reload.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { apiErrorBody } from '../shared/error-table.ts';
import { ErrorsBody } from '../shared/schemas.ts';

/**
 * web/dist of this package: three levels up from src/http/web (tsx) or
 * dist/http/web (compiled), two from dist/bundle (the bundle bin/berth.js runs).
 */
const here = dirname(fileURLToPath(import.meta.url));
export const defaultConsoleDir =
  [resolve(here, '../../../web/dist'), resolve(here, '../../web/dist')].find((d) =>
    existsSync(join(d, 'index.html')),
  ) ?? resolve(here, '../../../web/dist');

export interface WebOptions {
  /** Folder with the built console; defaults to web/dist of this package. */
  root?: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Berth</title>
<p>The Berth console is not built. Run <code>npm run build:web</code> (or <code>npm ci</code>) and restart.</p>
<p>The registry API (<code>/v2/</code>) and the management API (<code>/api/v2.0/</code>) work without it.</p>`;

/** First path segments the server owns: the console's page never answers under them (a JSON 404 does). */
const SERVER_SEGMENTS = new Set(['v2', 'api', 'service', 'c', 'metrics', 'health', 'healthz', 'livez', 'readyz']);

function isServerPath(url: string): boolean {
  const first = url.split('/')[1] ?? '';
  return SERVER_SEGMENTS.has(first.toLowerCase());
}

const ASSET_NOT_FOUND = (path: string) => apiErrorBody('NOT_FOUND', `no such path: GET ${path}`);

/**
 * The console's files (all under assets/, names carrying a content hash, so
 * cached for good). The file server is loaded at the first asset asked for: a
 * registry that nobody browses does not pay for it at start-up, nor for a
 * walk of the folder (bench/FINDINGS.md, "Start-up, third round").
 */
const loadSend = () => import('@fastify/send');

const ASSET = {
  params: Type.Object({ '*': Type.String({ maxLength: 1024 }) }),
  response: {
    200: Type.Unsafe<unknown>({ description: 'the file (its type from its name)' }),
    206: Type.Unsafe<unknown>({ description: 'the range asked for' }),
    304: Type.Unsafe<unknown>({ description: 'not modified since the copy the browser holds' }),
    404: ErrorsBody,
  },
} as const;

function assetRoutes(app: FastifyInstance, dir: string): void {
  let sender: ReturnType<typeof loadSend> | null = null;
  // The path after /assets/ names a file; send() checks it (below). Answers are the file, or 404.
  app.get('/assets/*', { schema: ASSET }, async (request, reply) => {
    sender ??= loadSend();
    const { send } = await sender;
    const path = (request.raw.url ?? '/').split('?')[0].slice('/assets'.length);
    // send() decodes the path and refuses anything outside `root` (.., encoded or not).
    const sent = await send(request.raw, path, { root: dir, index: false, dotfiles: 'ignore' });
    if (sent.type !== 'file') {
      sent.stream.destroy?.();
      return reply.status(404).send(ASSET_NOT_FOUND(`/assets${path}`));
    }
    // send() answers the file, a range of it, or "not modified": the statuses declared above.
    reply
      .status(sent.statusCode as 200 | 206 | 304)
      .headers(sent.headers)
      .header('cache-control', 'public, max-age=31536000, immutable');
    return reply.send(sent.stream);
  });
}

export async function webPlugin(app: FastifyInstance, options: WebOptions): Promise<void> {
  const root = options.root ?? defaultConsoleDir;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  if (built) assetRoutes(app, join(root, 'assets'));
  let index: Buffer | null = null;
  app.setNotFoundHandler(async (request, reply) => {
    const url = request.raw.url ?? '/';
    const path = url.split('?')[0];
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !isServerPath(path);
    if (!wantsPage || (path.startsWith('/assets/') && built)) {
      return reply.status(404).send(apiErrorBody('NOT_FOUND', `no such path: ${request.method} ${path}`));
    }
    if (!built) return reply.status(200).type('text/html; charset=utf-8').send(NOT_BUILT);
    index ??= await readFile(indexFile);
    return reply.status(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  });
}
