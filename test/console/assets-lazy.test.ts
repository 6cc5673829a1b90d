/**
 * The console's files are served by a file server loaded at the first asset
 * (not at start-up): the first request still gets the file, with its type
 * and lasting cache headers; nothing outside assets/ is reachable.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { webPlugin } from '../../src/http/web/plugin.ts';

let root: string;
let app: FastifyInstance;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-web-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(root, 'secret.txt'), 'not an asset');
  app = Fastify();
  await webPlugin(app, { root });
  await app.ready();
});
after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

test('the first asset asked for is served, typed and cached for good', async () => {
  const res = await app.inject({ method: 'GET', url: '/assets/app-1234.js' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'console.log(1)');
  assert.match(String(res.headers['content-type']), /javascript/);
  assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  const head = await app.inject({ method: 'HEAD', url: '/assets/app-1234.js?v=1' });
  assert.equal(head.statusCode, 200);
  const again = await app.inject({
    method: 'GET',
    url: '/assets/app-1234.js',
    headers: { 'if-none-match': String(res.headers.etag) },
  });
  assert.equal(again.statusCode, 304);
});

test('a missing asset or a path out of assets/ is a JSON 404; other pages get the console', async () => {
  for (const url of ['/assets/nope.js', '/assets/']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json().errors[0].code, 'NOT_FOUND', url);
  }
  for (const url of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/secret.txt']) {
    const res = await app.inject({ method: 'GET', url });
    assert.ok(!res.body.includes('not an asset'), `${url}: ${res.statusCode}`);
  }
  const page = await app.inject({ method: 'GET', url: '/projects/team' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /console/);
});
