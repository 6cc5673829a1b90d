/**
 * The console's signing pages in Debian's Chromium, against Berth with
 * accounts: the project's Signing tab switches the cosign gate on and adds
 * an openssl-made key; after `berth sign`, the artifact page shows the
 * signature as verified by that key. Screenshots 30–31.
 *
 * Run: node --import tsx --test test/e2e/signing.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, type Running } from '../access/support.ts';
import { makeKey } from '../signing/fixtures.ts';
import { BERTH_BIN } from '../support/berth.ts';
import { ok, run } from '../support/images.ts';
import { ConsoleSession } from './session.ts';
import { ADMIN_PASSWORD, CHROMIUM } from './support.ts';

const skip = existsSync(CHROMIUM) ? null : 'Chromium is not installed (apt-get install -y chromium)';

describe('console: signing', { skip: skip ?? false, timeout: 180_000 }, () => {
  let session: ConsoleSession;
  let dir: string;
  before(async () => {
    session = await ConsoleSession.start();
    dir = await mkdtemp(join(tmpdir(), 'berth-e2e-signing-'));
    await session.createProjects('signed');
    await pushImage({ url: session.server.url } as Running, 'signed/app', '1.0', session.server.adminAuth ?? undefined);
  });
  after(async () => {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the Signing tab turns the gate on and adds a key; the artifact page shows the verified signature', async () => {
    const [priv, pub] = await makeKey(dir, 'ci', 'ec');
    const page = await session.open('/projects/signed/signing');
    await page.getByLabel('Require a cosign signature from a trusted key').check();
    await page.getByLabel('key name').fill('ci');
    await page.getByLabel('PEM').fill(await readFile(pub, 'utf8'));
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText(/sha256:[0-9a-f]{64}/).waitFor();
    let cosign = '';
    for (let i = 0; i < 50 && cosign !== 'true'; i++) {
      cosign = (await (await session.server.fetch('/api/v2.0/projects/signed')).json()).metadata
        .enable_content_trust_cosign;
      if (cosign !== 'true') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(cosign, 'true');
    await session.shot(page, '30-signing');

    const refused = await session.server.fetch('/v2/signed/app/manifests/1.0');
    assert.equal(refused.status, 412);
    ok(
      await run(
        process.execPath,
        [BERTH_BIN, 'sign', `${session.server.hostPort}/signed/app:1.0`, '--key', priv, '--plain-http'],
        {
          env: { ...process.env, BERTH_USERNAME: 'admin', BERTH_PASSWORD: ADMIN_PASSWORD },
        },
      ),
      'berth sign',
    );
    assert.equal((await session.server.fetch('/v2/signed/app/manifests/1.0')).status, 200);
    const art = await session.open('/projects/signed/repositories/app/artifacts/1.0');
    await art.getByText('signed by ci').waitFor();
    await session.shot(art, '31-signature-verified');
  });
});
