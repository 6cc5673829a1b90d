import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, databaseFile, loadConfig, storageDir } from '../src/server/config.ts';

async function yamlFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'berth-config-')), 'berth.yaml');
  await writeFile(file, text);
  return file;
}

describe('configuration', () => {
  it('starts from embedded defaults', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.server.port, 5000);
    assert.equal(c.storage.driver, 'filesystem');
    assert.equal(c.database.driver, 'sqlite');
    assert.equal(storageDir(c), join(process.cwd(), 'data', 'storage'));
    assert.equal(databaseFile(c), join(process.cwd(), 'data', 'berth.db'));
  });

  it('layers file, environment and flags in that order', async () => {
    const file = await yamlFile('server:\n  port: 6000\n  host: 127.0.0.1\ndata_dir: /srv/berth\n');
    const c = loadConfig({ file, env: { BERTH_PORT: '7000' }, overrides: { 'log.level': 'debug' } });
    assert.equal(c.server.port, 7000);
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.data_dir, '/srv/berth');
    assert.equal(c.log.level, 'debug');
    const flagged = loadConfig({ file, env: { BERTH_PORT: '7000' }, overrides: { 'server.port': '8000' } });
    assert.equal(flagged.server.port, 8000);
  });

  it('reads PostgreSQL and S3 settings from the environment', () => {
    const c = loadConfig({
      env: {
        BERTH_DATABASE_DRIVER: 'postgres',
        BERTH_DATABASE_URL: 'postgres://x@h/db',
        BERTH_STORAGE_DRIVER: 's3',
        BERTH_S3_ENDPOINT: 'http://127.0.0.1:7480',
        BERTH_S3_REDIRECT: 'true',
      },
    });
    assert.equal(c.database.postgres.url, 'postgres://x@h/db');
    assert.equal(c.storage.s3.endpoint, 'http://127.0.0.1:7480');
    assert.equal(c.storage.s3.redirect, true);
  });

  const refusals: [string, () => unknown, RegExp][] = [
    [
      'an unknown key',
      async () => loadConfig({ env: {}, file: await yamlFile('storage:\n  drvier: s3\n') }),
      /storage\.drvier: unknown key/,
    ],
    [
      'a mistyped value',
      async () => loadConfig({ env: {}, file: await yamlFile('server:\n  port: high\n') }),
      /server\.port: expected a number/,
    ],
    [
      'a value outside its set',
      async () => loadConfig({ env: {}, file: await yamlFile('database:\n  driver: mysql\n') }),
      /database\.driver: must be one of sqlite, postgres/,
    ],
    ['a bad port in the environment', () => loadConfig({ env: { BERTH_PORT: '99999' } }), /server\.port/],
    [
      'a bad boolean in the environment',
      () => loadConfig({ env: { BERTH_S3_REDIRECT: 'yes' } }),
      /storage\.s3\.redirect \(from BERTH_S3_REDIRECT\)/,
    ],
    [
      'postgres without a URL',
      () => loadConfig({ env: { BERTH_DATABASE_DRIVER: 'postgres' } }),
      /database\.postgres\.url: required/,
    ],
    [
      'an S3 endpoint without a scheme',
      () => loadConfig({ env: { BERTH_STORAGE_DRIVER: 's3', BERTH_S3_ENDPOINT: 's3.local' } }),
      /storage\.s3\.endpoint/,
    ],
    [
      'YAML that does not parse',
      async () => loadConfig({ env: {}, file: await yamlFile('server: [1,\n') }),
      /berth\.yaml/,
    ],
  ];
  for (const [what, load, message] of refusals) {
    it(`refuses ${what}, naming the key`, async () => {
      await assert.rejects(
        async () => load(),
        (err: Error) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }

  for (const example of ['deploy/berth.single.yaml', 'deploy/berth.cluster.yaml']) {
    it(`accepts the example ${example}`, () => {
      const c = loadConfig({ file: example, env: {} });
      assert.ok(c.server.port > 0);
    });
  }
});
