/**
 * The console's API types, generated from the management API's own OpenAPI
 * document: Berth is built in memory (throwaway data folder, no listener),
 * /api/v2.0/openapi.json is read through inject, and openapi-typescript turns
 * it into web/src/api-schema.d.ts. `node --import tsx scripts/api-types.ts`
 * rewrites the file; `--check` (in `npm run check`) and test/api/api-types.test.ts
 * fail when it has drifted.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';

export const API_TYPES_FILE = fileURLToPath(new URL('../web/src/api-schema.d.ts', import.meta.url));

export async function openApiDocumentOfBerth(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-openapi-'));
  const config = loadConfig({
    env: { BERTH_DATA: dir, BERTH_LOG_LEVEL: 'silent', BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: 'Generat0r-only' },
  });
  config.kube.worker = false;
  const berth = await buildApp(config, pino({ level: 'silent' }));
  try {
    return (await berth.app.inject({ url: '/api/v2.0/openapi.json' })).json();
  } finally {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function generateApiTypes(): Promise<string> {
  const document = await openApiDocumentOfBerth();
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]);
  return `/**\n * Generated from /api/v2.0/openapi.json by scripts/api-types.ts: do not edit.\n * Regenerate with \`npm run api-types\`.\n */\n\n${astToString(ast)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fresh = await generateApiTypes();
  if (process.argv.includes('--check')) {
    if (fresh !== (await readFile(API_TYPES_FILE, 'utf8').catch(() => ''))) {
      console.error(`${API_TYPES_FILE} differs from the API's OpenAPI document: run npm run api-types`);
      process.exit(1);
    }
  } else {
    await writeFile(API_TYPES_FILE, fresh);
    console.log(`wrote ${API_TYPES_FILE}`);
  }
}
