/**
 * The one error table against the distribution spec's error codes and
 * Harbor's error shape, and the 400s that schema validation gives: the field
 * named, Harbor's body on /api/v2.0, OCI's on /v2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_TABLE, MANAGEMENT } from '../../src/http/shared/error-table.ts';
import { ADMIN, api, call, type Running, startBerth } from '../access/support.ts';

/** opencontainers/distribution-spec, "Error Codes" (code-1 … code-14), with the status each is sent with. */
const SPEC: Record<string, number[]> = {
  BLOB_UNKNOWN: [404],
  BLOB_UPLOAD_INVALID: [400, 416],
  BLOB_UPLOAD_UNKNOWN: [404],
  DIGEST_INVALID: [400],
  MANIFEST_BLOB_UNKNOWN: [400, 404],
  MANIFEST_INVALID: [400, 413],
  MANIFEST_UNKNOWN: [404],
  NAME_INVALID: [400],
  NAME_UNKNOWN: [404],
  SIZE_INVALID: [400],
  UNAUTHORIZED: [401],
  // 412: Harbor's status for a pull gate (signatures, vulnerabilities) refusing an artifact.
  DENIED: [403, 412],
  UNSUPPORTED: [400, 404, 405, 415],
  TOOMANYREQUESTS: [429],
};
/**
 * Docker Registry's codes the OCI spec does not list: pagination, and
 * UNAVAILABLE (Distribution's errcode for a registry that cannot serve now),
 * sent for a full (507) or unwritable (503) storage.
 */
const DOCKER = new Set(['PAGINATION_NUMBER_INVALID', 'UNAVAILABLE']);

describe('the error table', () => {
  test('every /v2 answer is a spec code with a status the spec gives it', () => {
    for (const [domain, { oci }] of Object.entries(ERROR_TABLE)) {
      if (DOCKER.has(oci.code)) continue;
      assert.ok(SPEC[oci.code], `${domain} -> ${oci.code} is not a distribution-spec code`);
      assert.ok(SPEC[oci.code].includes(oci.status), `${domain} -> ${oci.code} ${oci.status}`);
    }
  });

  test('every spec code can be answered', () => {
    const answered = new Set(Object.values(ERROR_TABLE).map((row) => row.oci.code));
    assert.deepEqual(
      Object.keys(SPEC).filter((code) => !answered.has(code)),
      [],
    );
  });

  test("every management answer is one of Harbor's codes, with that code's one status", () => {
    for (const [domain, { api: row }] of Object.entries(ERROR_TABLE)) {
      assert.ok(row.code in MANAGEMENT, `${domain} -> ${row.code}`);
      assert.equal(row.status, MANAGEMENT[row.code as keyof typeof MANAGEMENT], domain);
    }
  });
});

describe('validation errors', () => {
  let r: Running;
  before(async () => {
    r = await startBerth();
  });
  after(async () => {
    await r?.close();
  });

  const harborShape = (body: { errors?: unknown[] }) => {
    assert.ok(Array.isArray(body.errors) && body.errors.length === 1, JSON.stringify(body));
    const [e] = body.errors as { code: unknown; message: unknown }[];
    assert.equal(typeof e.code, 'string');
    assert.equal(typeof e.message, 'string');
    return e as { code: string; message: string; field?: string };
  };

  const cases: [string, string, string, object | undefined, string][] = [
    ['a page beyond any integer', 'GET', '/projects?page=1e20', undefined, 'page'],
    ['a page size above 100', 'GET', '/repositories?page_size=101', undefined, 'page_size'],
    ['an id above 2^31-1', 'GET', '/robots/99999999999', undefined, 'robot_id'],
    ['a user id that is not a number', 'GET', '/users/abc', undefined, 'user_id'],
    ['a kube id above 2^31-1', 'GET', '/kube/connections/2147483648', undefined, 'id'],
    ['a boolean sent as text', 'PUT', '/users/1/sysadmin', { sysadmin_flag: 'yes' }, 'sysadmin_flag'],
    ['a number sent as text', 'POST', '/robots', { name: 'x', level: 'system', duration: '5' }, 'duration'],
    ['a nested field of the wrong type', 'POST', '/projects/library/members', { role_id: 'two' }, 'role_id'],
    ['a missing field', 'PUT', '/projects/library/members/1', {}, 'role_id'],
    ['a body that is not an object', 'POST', '/projects', [1, 2] as unknown as object, ''],
    ['a tag that is not text', 'POST', '/projects/p/repositories/r/artifacts/latest/tags', { name: 5 }, 'name'],
    ['days out of range', 'GET', '/statistics/traffic?days=100000', undefined, 'days'],
  ];
  for (const [what, method, path, body, field] of cases) {
    test(`${what}: 400 in Harbor's shape naming ${field || 'the body'}`, async () => {
      const res = await api(r, method, path, { auth: ADMIN, body });
      assert.equal(res.status, 400, res.body);
      const e = harborShape(res.json);
      assert.equal(e.code, 'BAD_REQUEST');
      if (field) {
        assert.equal(e.field, field, res.body);
        assert.ok(e.message.startsWith(`${field}: `), e.message);
      }
    });
  }

  test('/v2 answers in the OCI shape, codes from the table', async () => {
    const unknown = await call(r.url, 'GET', '/v2/_nothing_here_/x/y/z', { auth: ADMIN });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.errors[0].code, 'UNSUPPORTED');
    assert.ok('detail' in unknown.json.errors[0]);
    const method = await call(r.url, 'PATCH', '/v2/library/x/manifests/latest', { auth: ADMIN });
    assert.equal(method.status, 405);
    assert.equal(method.json.errors[0].code, 'UNSUPPORTED');
  });
});

describe('parts that are not wired', () => {
  test("answer 501 NOT_ENABLED in Harbor's shape (a disabled twin), not 404 or an unguarded route", async () => {
    const Fastify = (await import('fastify')).default;
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SqliteStore } = await import('../../src/adapters/metadata/sqlite.ts');
    const { FsDriver } = await import('../../src/adapters/storage/fs.ts');
    const { Registry } = await import('../../src/core/registry.ts');
    const { apiPlugin } = await import('../../src/http/api/plugin.ts');
    const dir = await mkdtemp(join(tmpdir(), 'berth-twins-'));
    const metadata = await SqliteStore.open(join(dir, 'berth.db'));
    const app = Fastify();
    await app.register(apiPlugin, {
      prefix: '/api/v2.0',
      registry: new Registry({ storage: new FsDriver(join(dir, 'storage')), metadata }),
    });
    try {
      for (const [method, url] of [
        ['GET', '/api/v2.0/kube/connections'],
        ['POST', '/api/v2.0/robots'],
        ['DELETE', '/api/v2.0/users/1'],
        ['GET', '/api/v2.0/projects/team/repositories'],
        ['GET', '/api/v2.0/statistics'],
      ] as const) {
        const res = await app.inject({ method, url });
        assert.equal(res.statusCode, 501, `${method} ${url}`);
        assert.equal(res.json().errors[0].code, 'NOT_ENABLED');
      }
      assert.equal((await app.inject({ url: '/api/v2.0/health' })).statusCode, 200);
    } finally {
      await app.close();
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
