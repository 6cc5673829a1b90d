/**
 * Node 20 is the floor (package.json engines): no installed package may ask
 * for more, and the `cookie` override (fastify -> light-my-request pulled
 * cookie 2, which wants Node 22) keeps Fastify's inject working.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';

const ROOT = new URL('..', import.meta.url).pathname;

function* manifests(dir: string, depth = 0): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (name.startsWith('@')) {
      yield* manifests(path, depth);
      continue;
    }
    yield join(path, 'package.json');
    if (depth < 3) yield* manifests(join(path, 'node_modules'), depth + 1);
  }
}

/** The lowest major a `>=N` (or `^N`) engines range admits; null when the range says no such thing. */
const floorOf = (range: string) => {
  const m = /^\s*(?:>=|\^)\s*v?(\d+)/.exec(range);
  return m && !range.includes('||') ? Number(m[1]) : null;
};

test('no installed package requires a Node newer than 20', () => {
  const tooNew: string[] = [];
  for (const file of manifests(join(ROOT, 'node_modules'))) {
    let pkg: { name?: string; version?: string; engines?: { node?: string } };
    try {
      pkg = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const floor = floorOf(pkg.engines?.node ?? '');
    if (floor !== null && floor > 20) tooNew.push(`${pkg.name}@${pkg.version} (${pkg.engines?.node})`);
  }
  // Dev tools only, never loaded by Berth at run time.
  const allowed = /^(@redocly|openapi-typescript)/;
  assert.deepEqual(
    tooNew.filter((p) => !allowed.test(p)),
    [],
  );
});

test("Fastify's inject sets cookies through the overridden cookie package", async () => {
  const app = Fastify();
  app.get('/', async (request) => ({ cookie: request.headers.cookie ?? null }));
  const res = await app.inject({ url: '/', cookies: { a: 'b', c: 'd e' } });
  assert.equal(res.json().cookie, 'a=b; c=d%20e');
  await app.close();
});
