/** The console's generated API types match what the server's OpenAPI document says today. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/api-types.ts';

test('web/src/api-schema.d.ts is generated from the current /api/v2.0/openapi.json', async () => {
  const committed = await readFile(API_TYPES_FILE, 'utf8');
  assert.ok(committed === (await generateApiTypes()), 'stale: run `npm run api-types` and commit the result');
});
