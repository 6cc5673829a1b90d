/** secrets.key configuration: validation naming the key, the generated key file, rotation with previous keys. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSecretBox } from '../../src/server/app.ts';
import { loadConfig, secretKeyFile } from '../../src/server/config.ts';

describe('secrets.key', () => {
  let data: string;
  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'berth-secrets-'));
  });
  after(() => rm(data, { recursive: true, force: true }));

  it('names the key when it is too short, from the environment too', () => {
    assert.throws(
      () => loadConfig({ env: { BERTH_DATA: data, BERTH_SECRET_KEY: 'short' } }),
      /invalid configuration secrets\.key: must be at least 16 characters/,
    );
    assert.throws(
      () => loadConfig({ env: { BERTH_DATA: data, BERTH_SECRET_KEY_PREVIOUS: 'a-long-enough-old-key,tiny' } }),
      /invalid configuration secrets\.previous_keys: key 2 must be at least 16 characters/,
    );
    assert.throws(
      () => loadConfig({ env: { BERTH_DATA: data, BERTH_KUBE_RECONCILE_INTERVAL: '-1' } }),
      /kube\.reconcile_interval/,
    );
  });

  it('generates a key once into the data folder, says so, and reuses it', async () => {
    const config = loadConfig({ env: { BERTH_DATA: data } });
    const lines: string[] = [];
    const log = { info: (_o: object, m: string) => lines.push(m), warn: (_o: object, m: string) => lines.push(m) };
    const box = await openSecretBox(config, log);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /generated the encryption key for stored credentials/);
    const key = (await readFile(secretKeyFile(config), 'utf8')).trim();
    assert.ok(key.length >= 43);
    const sealed = box.encrypt('hunter2', 'ctx');
    const again = await openSecretBox(config, log);
    assert.equal(lines.length, 1, 'no second generation');
    assert.equal(again.decrypt(sealed, 'ctx'), 'hunter2');
  });

  it('decrypts values sealed under a previous key after rotation', async () => {
    const old = await openSecretBox(
      loadConfig({ env: { BERTH_DATA: data, BERTH_SECRET_KEY: 'the-old-key-0123456789' } }),
    );
    const sealed = old.encrypt('hunter2', 'ctx');
    const rotated = await openSecretBox(
      loadConfig({
        env: {
          BERTH_DATA: data,
          BERTH_SECRET_KEY: 'the-new-key-0123456789',
          BERTH_SECRET_KEY_PREVIOUS: 'the-old-key-0123456789',
        },
      }),
    );
    assert.equal(rotated.decrypt(sealed, 'ctx'), 'hunter2');
    assert.ok(rotated.needsRotation(sealed));
    const withoutOld = await openSecretBox(
      loadConfig({ env: { BERTH_DATA: data, BERTH_SECRET_KEY: 'the-new-key-0123456789' } }),
    );
    assert.throws(() => withoutOld.decrypt(sealed, 'ctx'), /unknown key/);
  });
});
