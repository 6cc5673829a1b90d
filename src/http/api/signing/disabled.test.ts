/** Without the signing feature: key routes say "not enabled" and the gate cannot be switched on (fail closed). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import Fastify from 'fastify';
import { ApiError } from '../errors.ts';
import { disabledSigningMetadata, disabledSigningRoutes } from './disabled.ts';

it('answers 501 and refuses to switch content trust on', async () => {
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = err as ApiError;
    reply.status(e.status).send({ errors: [{ code: e.code, message: e.message }] });
  });
  await app.register(disabledSigningRoutes);
  for (const [method, url] of [
    ['GET', '/projects/p/trusted-keys'],
    ['POST', '/system/trusted-keys'],
    ['DELETE', '/projects/p/trusted-keys/1'],
  ] as const) {
    const res = await app.inject({ method, url });
    assert.equal(res.statusCode, 501, url);
    assert.match(res.json().errors[0].message, /not enabled/);
  }
  await app.close();
  await assert.rejects(disabledSigningMetadata.write(1, { enable_content_trust_cosign: 'true' }), ApiError);
  await disabledSigningMetadata.write(1, { enable_content_trust: 'false', public: 'true' });
});
