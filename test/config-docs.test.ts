/** docs/config.md and `berth config check|show` follow the one configuration schema. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CONFIG_DOCS_FILE, configDocs } from '../scripts/config-docs.ts';
import { ENV_KEYS } from '../src/server/config.ts';
import { settings } from '../src/server/config-schema.ts';

const run = promisify(execFile);
const berth = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });

test('docs/config.md is generated from the schema', async () => {
  assert.equal(await readFile(CONFIG_DOCS_FILE, 'utf8'), configDocs(), 'stale: run npm run config-docs');
});

test('every setting with an environment variable is overridable by it, and only those', () => {
  const fromSchema = settings().flatMap((s) => (s.schema.env ? [s.schema.env] : []));
  assert.deepEqual(Object.keys(ENV_KEYS).sort(), fromSchema.sort());
  assert.ok(fromSchema.length >= 40);
});

test('config check names the key at fault; config show masks secrets', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-config-cli-'));
  try {
    const ok = await berth(['config', 'check'], { BERTH_DATA: dir });
    assert.match(ok.stdout, /configuration ok/);
    const file = join(dir, 'berth.yaml');
    await writeFile(file, 'server:\n  port: 70000\n');
    await assert.rejects(
      berth(['config', 'check', '--config', file], { BERTH_DATA: dir }),
      (err: Error & { stderr: string; code: number }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr, /server\.port/);
        return true;
      },
    );
    const shown = await berth(['config', 'show'], {
      BERTH_DATA: dir,
      BERTH_SECRET_KEY: 'a-very-secret-key-1234',
      BERTH_S3_BUCKET: 'visible-bucket',
    });
    assert.ok(!shown.stdout.includes('a-very-secret-key-1234'), shown.stdout);
    assert.match(shown.stdout, /key: "?\*{8}"?/);
    assert.match(shown.stdout, /bucket: visible-bucket/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
