/**
 * The floors of src/ (docs/architecture.md): core imports nothing of Berth's;
 * adapters only the core and features' ports; features only the core; http
 * the core and features; server everything but cli; cli everything. An import
 * that points up fails here, as does wiring that asks what the metadata
 * store is instead of using its ports.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { FEATURE_PORT, upwardImports } from '../scripts/upward-imports.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';

const SRC = new URL('../src/', import.meta.url).pathname;

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

test('no floor imports a floor above it', () => {
  assert.deepEqual(upwardImports(), []);
});

test('adapters reach features only through their ports', () => {
  assert.ok(FEATURE_PORT.test('src/features/kube/store.ts'));
  assert.ok(!FEATURE_PORT.test('src/features/kube/connections.ts'));
});

test('wiring never asks which metadata store it has', () => {
  const offenders = files(SRC).filter((f) => /instanceof Kysely\w*Store/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

const text = (f: string) => readFileSync(f, 'utf8');
const rel = (f: string) => f.slice(SRC.length - 'src/'.length);
const sourcesUnder = (...dirs: string[]) =>
  dirs.flatMap((d) => files(join(SRC, d))).filter((f) => !f.endsWith('.test.ts'));
/** `file:line` of each line of `dirs` matching `pattern` (the greps of scripts/arch-counts.sh). */
function lines(pattern: RegExp, ...dirs: string[]): string[] {
  return sourcesUnder(...dirs).flatMap((f) =>
    text(f)
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${rel(f)}:${i + 1}`] : [])),
  );
}
test('handlers reach storage and metadata only through the core (no registry.storage / registry.metadata)', () => {
  assert.deepEqual(lines(/registry\.(storage|metadata)\b/, 'http'), []);
});

test('the API and the CLI write through services, never to a store (one place per use case)', () => {
  assert.deepEqual(lines(/(\.store|[sS]tore)\.(create|update|delete|add|remove|set)[A-Za-z]*\(/, 'http', 'cli'), []);
});

test('every error body comes from the one error table', () => {
  const outside = lines(/errors: \[\{/, 'http').filter((h) => !h.startsWith('src/http/shared/error-table.ts:'));
  assert.deepEqual(outside, []);
});

// No allowance lists: a new hand-checked body or schema-less route fails here (scripts/arch-counts.sh counts the same).
test('no request body is checked by hand: handlers read bodies typed by their schemas', () => {
  assert.deepEqual(lines(/request\.body (as|\?\?)|request\.body\?\./, 'http'), []);
});

// /v2 is one catch-all route per prefix that dispatches through the OCI table (src/http/oci), which
// checks names, references and digests itself and answers in the distribution spec's shape.
test('every route declares a schema (the management API, sign-in, tokens, OIDC, probes, metrics, assets)', () => {
  assert.deepEqual(lines(/app\.(get|post|put|patch|delete|head)(<[^>]*>)?\('[^']*', async/, 'http'), []);
});

test('route modules are handed services, never a feature store (labels go through LabelService)', () => {
  assert.deepEqual(lines(/\b[A-Z][A-Za-z]*Store\b/, 'http'), []);
});

// A route that reads an upload (bytes or a stream) through its own content-type parser declares that
// body per content type (src/http/shared/schemas.ts `ByContentType`), so the document and the
// validator know it; a parser for a form only turns the form into the object its schema checks.
test('an upload parser comes with its body declared by content type', () => {
  const parsers = sourcesUnder('http/api').filter((f) =>
    text(f)
      .split('addContentTypeParser(')
      .slice(1)
      .some((call) => !call.trimStart().startsWith("'application/x-www-form-urlencoded'")),
  );
  assert.ok(parsers.length >= 2, `the vuln-db zip and the bundle tar are found: ${parsers.map(rel)}`);
  assert.deepEqual(parsers.filter((f) => !text(f).includes('ByContentType(')).map(rel), []);
});

test('the OpenAPI document types every request body: uploads as binary by content type, nothing as "anything"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-arch-'));
  const config = loadConfig({
    env: { BERTH_DATA: dir, BERTH_LOG_LEVEL: 'silent', BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: 'Arch-12345' },
  });
  const berth = await buildApp(config, pino({ level: 'silent' }));
  try {
    type Body = { content: Record<string, { schema: Record<string, unknown> }> };
    const doc = (await berth.app.inject({ method: 'GET', url: '/api/v2.0/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: Body }>>;
    };
    const bodies = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.requestBody?.content ?? {}).map(([type, { schema }]) => ({
          at: `${method} ${path} ${type}`,
          schema,
        })),
      ),
    );
    const anything = (s: Record<string, unknown>) =>
      Object.keys(s).length === 0 ||
      ((s.anyOf as unknown[] | undefined) ?? []).some((x) => Object.keys(x as object).length === 0);
    assert.deepEqual(
      bodies.filter((b) => anything(b.schema)).map((b) => b.at),
      [],
    );
    const binary = bodies.filter((b) => b.schema.format === 'binary').map((b) => b.at);
    assert.ok(binary.includes('post /vuln-db application/zip'), String(binary));
    assert.ok(binary.includes('post /bundles/import application/x-tar'), String(binary));
    assert.ok(bodies.some((b) => b.at === 'post /vuln-db application/json' && b.schema.type === 'object'));
  } finally {
    await berth.close();
    await rm(dir, { recursive: true, force: true });
  }
});
