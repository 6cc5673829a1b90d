/**
 * The OpenAPI document at /api/v2.0/openapi.json is served without signing
 * in and lists exactly the routes Berth registers under /api/v2.0 (read from
 * Fastify's route tree, of the instance that serves the management API), so
 * it cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, type Running, startBerth } from '../access/support.ts';

let r: Running;

before(async () => {
  r = await startBerth();
});

after(async () => {
  await r?.close();
});

/**
 * `METHOD /path` for every route in Fastify's printed tree (HEAD left out:
 * Fastify adds it to every GET). Each line is `prefix── segment (METHODS)`,
 * nested four columns per level under its parent.
 */
function registeredRoutes(tree: string): string[] {
  const parents: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const path = (depth > 0 ? parents[depth - 1] : '') + m[2];
    parents[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method} ${path}`);
  }
  return out;
}

test('the document is OpenAPI 3 and needs no sign-in', async () => {
  const res = await call(r.url, 'GET', '/api/v2.0/openapi.json');
  assert.equal(res.status, 200);
  assert.match(String(res.headers.get('content-type')), /application\/json/);
  assert.match(res.json.openapi, /^3\./);
  assert.equal(res.json.servers[0].url, '/api/v2.0');
  assert.deepEqual(res.json.paths['/openapi.json'].get.security, []);
  assert.ok(res.json.paths['/projects/{project_name_or_id}/repositories/{repository_name}'].delete.responses['403']);
});

test('every route registered under /api/v2.0 is in the document, and nothing else', async () => {
  const doc = (await call(r.url, 'GET', '/api/v2.0/openapi.json')).json;
  const registered = registeredRoutes((await r.berth.management.get()).printRoutes({ commonPrefix: false }))
    .filter((route) => route.split(' ')[1].startsWith('/api/v2.0/'))
    .map((route) => {
      const [method, path] = route.split(' ');
      return `${method} ${path.slice('/api/v2.0'.length).replace(/:(\w+)/g, '{$1}')}`;
    });
  assert.ok(registered.length > 50, `parsed the route tree: ${registered.length} routes`);
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const missing = registered.filter((route) => !documented.includes(route));
  assert.deepEqual(missing, [], 'registered but not documented');
  const stale = documented.filter((route) => !registered.includes(route));
  assert.deepEqual(stale, [], 'documented but not registered');
});
