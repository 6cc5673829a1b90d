import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { lazySchemaController, warmUp } from './lazy-schemas.ts';

test('lazily compiled schemas validate, coerce and serialize as Fastify does', async () => {
  const app = Fastify({ schemaController: lazySchemaController() });
  app.post(
    '/items/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', maximum: 2147483647 } }, required: ['id'] },
        body: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] },
        response: { 200: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
      },
    },
    async (request) => ({ ...(request.body as object), id: (request.params as { id: number }).id, secret: 'dropped' }),
  );
  const ok = await app.inject({ method: 'POST', url: '/items/7', payload: { name: 'a' } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { id: 7, name: 'a' }, 'the response schema serialized (coerced id, no extra field)');
  const bad = await app.inject({ method: 'POST', url: '/items/7', payload: { name: '' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /name/);
  const big = await app.inject({ method: 'POST', url: '/items/99999999999', payload: { name: 'a' } });
  assert.equal(big.statusCode, 400);
  await app.close();
});

test('a schema that does not compile is reported by the warm-up, not at start', async () => {
  const app = Fastify({ schemaController: lazySchemaController() });
  app.get(
    '/broken',
    { schema: { querystring: { type: 'object', properties: { a: { type: 'no-such-type' } } } } },
    async () => 'x',
  );
  await app.ready();
  const errors: unknown[] = [];
  warmUp((err) => errors.push(err));
  await new Promise((r) => setTimeout(r, 200));
  // GET and its automatic HEAD route each hold the broken schema.
  assert.ok(errors.length >= 1);
  for (const err of errors) assert.match(String(err), /schema is invalid|no-such-type/);
  await app.close();
});
