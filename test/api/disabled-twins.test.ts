/**
 * Optional parts of the management API fail closed: each one left out of
 * apiPlugin's options has a disabled twin whose paths answer 501 NOT_ENABLED
 * in Harbor's shape (never a 404 that hides it, nor a route without its
 * guard), and every optional collaborator says what its absence means
 * (FAIL_CLOSED in src/http/api/plugin.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from '../../src/core/registry.ts';
import { apiPlugin, FAIL_CLOSED } from '../../src/http/api/plugin.ts';
import { metadataPorts, openAccess, openRegistry } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';

let app: FastifyInstance;
let dir: string;
let registry: Registry;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-twins-'));
  registry = await openRegistry(loadConfig({ env: { BERTH_DATA: dir, BERTH_LOG_LEVEL: 'silent' } }));
  app = Fastify();
  // Identities and browsing wired, every feature left out.
  await app.register(apiPlugin, {
    prefix: '/api/v2.0',
    registry,
    access: openAccess(registry),
    gate: null,
    catalog: metadataPorts(registry).catalog(),
  });
});

after(async () => {
  await app?.close();
  await registry?.metadata.close();
  await rm(dir, { recursive: true, force: true });
});

const ARTIFACT = '/api/v2.0/projects/team/repositories/app/artifacts/latest';

const TWINS: Record<string, [method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string][]> = {
  labels: [
    ['GET', '/api/v2.0/labels'],
    ['POST', `${ARTIFACT}/labels`],
  ],
  scan: [
    ['GET', '/api/v2.0/scanners'],
    ['GET', '/api/v2.0/vuln-db'],
    ['PUT', '/api/v2.0/system/CVEAllowlist'],
    ['GET', '/api/v2.0/security/summary'],
    ['POST', `${ARTIFACT}/scan`],
    ['GET', `${ARTIFACT}/additions/vulnerabilities`],
  ],
  signing: [['GET', '/api/v2.0/system/trusted-keys']],
  lifecycle: [
    ['POST', '/api/v2.0/system/gc/schedule'],
    ['PUT', '/api/v2.0/quotas/1'],
    ['GET', '/api/v2.0/storage/usage'],
    ['POST', '/api/v2.0/projects/team/immutabletagrules'],
    ['GET', '/api/v2.0/projects/team/repositories/app/tags/latest/history'],
  ],
  registries: [
    ['POST', '/api/v2.0/registries'],
    ['GET', '/api/v2.0/adapters'],
    ['GET', '/api/v2.0/replication/adapters'],
  ],
  proxy: [
    ['GET', '/api/v2.0/projects/team/group_pulls'],
    ['GET', '/api/v2.0/projects/team/proxy_status'],
  ],
  webhooks: [['POST', '/api/v2.0/projects/team/webhook/policies']],
  replication: [
    ['POST', '/api/v2.0/replication/policies'],
    ['GET', '/api/v2.0/replication/executions/1'],
  ],
  settings: [
    ['GET', '/api/v2.0/configurations'],
    ['PUT', '/api/v2.0/configurations'],
  ],
};

for (const [feature, calls] of Object.entries(TWINS))
  test(`without ${feature}, its routes answer 501 NOT_ENABLED`, async () => {
    for (const [method, url] of calls) {
      const res = await app.inject({ method, url, payload: method === 'GET' ? undefined : {} });
      assert.equal(res.statusCode, 501, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().errors[0].code, 'NOT_ENABLED', `${method} ${url}`);
    }
  });

test('every optional collaborator says how its absence fails closed', () => {
  for (const [key, meaning] of Object.entries(FAIL_CLOSED)) assert.match(meaning, /^(twin|refuse|default|hook): /, key);
  for (const [key, meaning] of Object.entries(FAIL_CLOSED))
    if (meaning.startsWith('twin:') && !['kube', 'access', 'catalog'].includes(key))
      assert.ok(key in TWINS, `${key} is a twin: test its routes here`);
});

test('the parts that are wired still answer', async () => {
  assert.equal((await app.inject({ url: '/api/v2.0/health' })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v2.0/projects' })).statusCode, 200);
});
