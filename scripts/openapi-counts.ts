/**
 * Counts of the OpenAPI document Berth serves, for scripts/arch-counts.sh:
 * operations with no shape at all (no parameters, body or response declared)
 * and operations with a response left undeclared. Builds the server in
 * process on a throw-away data folder (auth on, every optional part wired).
 *   node --import tsx scripts/openapi-counts.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { UNDECLARED } from '../src/http/api/openapi.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';

type Operation = {
  parameters?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string }>;
};
/** `{}`, or a union with `{}` in it: a body declared, but as anything. */
const anything = (s: Record<string, unknown>) =>
  Object.keys(s).length === 0 ||
  ((s.anyOf as unknown[] | undefined) ?? []).some((x) => Object.keys(x as object).length === 0);

const dir = await mkdtemp(join(tmpdir(), 'berth-openapi-counts-'));
const config = loadConfig({
  env: { BERTH_DATA: dir, BERTH_LOG_LEVEL: 'silent', BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: 'Counts-1234' },
});
const berth = await buildApp(config, pino({ level: 'silent' }));
try {
  const doc = (await berth.app.inject({ method: 'GET', url: '/api/v2.0/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  const ops = Object.values(doc.paths).flatMap((byMethod) => Object.values(byMethod));
  const undeclared = (op: Operation) => Object.values(op.responses).some((r) => r.description === UNDECLARED);
  const untyped = ops.filter((op) => undeclared(op) && !op.requestBody && (op.parameters ?? []).length === 0);
  if (process.argv.includes('--list'))
    for (const [path, byMethod] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(byMethod)) if (undeclared(op)) console.log(`  ${method} ${path}`);
  console.log(`untyped OpenAPI operations (no parameter, body or response shape): ${untyped.length} of ${ops.length}`);
  console.log(`OpenAPI operations without response schemas: ${ops.filter(undeclared).length}`);
  const bodies = ops.flatMap((op) => Object.values(op.requestBody?.content ?? {}));
  console.log(`OpenAPI request bodies that accept anything: ${bodies.filter((b) => anything(b.schema)).length}`);
  const binary = bodies.filter((b) => b.schema.format === 'binary').length;
  console.log(`OpenAPI upload bodies declared by content type (binary): ${binary}`);
} finally {
  await berth.close();
  await rm(dir, { recursive: true, force: true });
}
