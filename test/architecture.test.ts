/**
 * The floors of src/ (docs/architecture.md): core imports nothing of Berth's;
 * adapters only the core and features' ports; features only the core; http
 * the core and features; server everything but cli; cli everything. An import
 * that points up fails here, as does wiring that asks what the metadata
 * store is instead of using its ports.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FEATURE_PORT, upwardImports } from '../scripts/upward-imports.ts';

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
