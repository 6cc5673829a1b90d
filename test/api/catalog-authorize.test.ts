/**
 * The browsing routes ask the authorizer before they act, with the project
 * and the permission; its 401/403 reach the client in Harbor's shape. (The
 * identity module plugs its decisions in here.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { KyselyCatalog } from '../../src/adapters/metadata/kysely-catalog.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { FsDriver } from '../../src/adapters/storage/fs.ts';
import { Registry } from '../../src/core/registry.ts';
import type { CatalogPermission } from '../../src/http/api/catalog-context.ts';
import { forbidden } from '../../src/http/api/errors.ts';
import { apiPlugin } from '../../src/http/api/plugin.ts';
import { ociPlugin } from '../../src/http/oci/plugin.ts';
import { buildImage, pushImage } from '../helpers/images.ts';

let app: FastifyInstance;
let dir: string;
const asked: string[] = [];
/** Permissions granted per project, as the identity module would decide them. */
const granted: Record<string, CatalogPermission[]> = { team: ['pull'], '*': ['pull'] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-authz-'));
  const metadata = await SqliteStore.open(join(dir, 'berth.db'));
  const registry = new Registry({ storage: new FsDriver(join(dir, 'storage')), metadata });
  app = Fastify();
  await app.register(ociPlugin, { registry });
  await app.register(apiPlugin, {
    prefix: '/api/v2.0',
    registry,
    catalog: new KyselyCatalog(metadata.db),
    authorizeCatalog: async (_request, project, permission) => {
      asked.push(`${project ?? '*'}:${permission}`);
      if (!(granted[project ?? '*'] ?? []).includes(permission)) {
        throw forbidden(`${permission} is not allowed in project ${project ?? '(registry)'}`);
      }
    },
  });
  await pushImage(app, 'team/app', 'v1', buildImage({ layerSizes: [10] }));
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('authorization of the browsing routes', () => {
  it('lets a puller browse', async () => {
    asked.length = 0;
    const res = await app.inject({ method: 'GET', url: '/api/v2.0/projects/team/repositories/app/artifacts' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(asked, ['team:pull']);
  });

  it('refuses to delete without deleteArtifact, naming the permission', async () => {
    asked.length = 0;
    const res = await app.inject({ method: 'DELETE', url: '/api/v2.0/projects/team/repositories/app/artifacts/v1' });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(res.json(), {
      errors: [{ code: 'FORBIDDEN', message: 'deleteArtifact is not allowed in project team' }],
    });
    assert.deepEqual(asked, ['team:deleteArtifact']);
    const still = await app.inject({ method: 'GET', url: '/v2/team/app/manifests/v1' });
    assert.equal(still.statusCode, 200);
  });

  it('asks for push to tag, and for the project before looking the repository up', async () => {
    const tag = await app.inject({
      method: 'POST',
      url: '/api/v2.0/projects/team/repositories/app/artifacts/v1/tags',
      payload: { name: 'x' },
    });
    assert.equal(tag.statusCode, 403);
    // An unknown repository in a forbidden project is a 403, not a 404 that would reveal what exists.
    const other = await app.inject({ method: 'GET', url: '/api/v2.0/projects/secret/repositories/nothing' });
    assert.equal(other.statusCode, 403);
  });

  it('asks registry-wide for statistics', async () => {
    asked.length = 0;
    const res = await app.inject({ method: 'GET', url: '/api/v2.0/statistics' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(asked, ['*:pull']);
  });
});
