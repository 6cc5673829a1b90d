/**
 * The console with Berth's identity module: a robot account created in the
 * console (its secret shown once) pushes with skopeo; a guest who tries to
 * delete is told which permission is missing; members and the audit log.
 * Skipped, saying why, on a server without accounts.
 *
 * Run: node --import tsx --test test/e2e/identity.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildImage } from '../helpers/images.ts';
import { ConsoleSession } from './session.ts';
import { missingTools } from './support.ts';

const skip = missingTools();
const T = { timeout: 180_000 };

let session: ConsoleSession;

describe('web console with accounts', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    if (!session.server.identity) return;
    await session.createProjects('team');
    await session.push(buildImage({ layerSizes: [4096], history: ['ADD app /app'] }), 'team/app:stable');
  });

  after(async () => {
    await session?.close();
  });

  const NO_IDENTITY = 'needs the identity module (branch access): this server runs without accounts';

  test('create a robot account; its secret, shown once, pushes with skopeo', T, async (t) => {
    if (!session.server.identity) return t.skip(NO_IDENTITY);
    const page = await session.open('/projects/team/robots');
    await page.getByLabel('robot name').fill('ci');
    await page.getByLabel('push').check();
    await page.getByRole('button', { name: 'New robot account' }).click();
    const box = page.locator('.secret-box');
    await box.waitFor();
    const secret = (await box.locator('.copy-field code').first().innerText()).trim();
    assert.ok(secret.length >= 16, 'a secret is shown');
    assert.match(await box.innerText(), /robot\$team\+ci/);
    await session.shot(page, '13-robot-secret');
    await page.getByRole('button', { name: 'I have saved the secret' }).click();
    await box.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret), 'the secret is gone once dismissed');
    const img = buildImage({ layerSizes: [1500] });
    await session.push(img, 'team/app:from-robot', [`--dest-creds=robot$team+ci:${secret}`]);
    assert.ok((await session.tagsOf('team/app')).includes('from-robot'));
    await page.close();
  });

  test('a guest is told which permission a deletion needs', T, async (t) => {
    if (!session.server.identity) return t.skip(NO_IDENTITY);
    const json = { 'content-type': 'application/json' };
    const user = await session.server.fetch('/api/v2.0/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        username: 'gina',
        email: 'gina@example.com',
        realname: 'Gina',
        password: 'Guest-pass-123',
      }),
    });
    assert.equal(user.status, 201, await user.text());
    const member = await session.server.fetch('/api/v2.0/projects/team/members', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ role_id: 3, member_user: { username: 'gina' } }),
    });
    assert.equal(member.status, 201, await member.text());
    const page = await session.open('/projects/team/repositories/app/artifacts/stable', {
      user: 'gina',
      password: 'Guest-pass-123',
    });
    // A guest sees the delete button disabled, saying which permission it needs (the server would refuse).
    const button = page.getByRole('button', { name: 'Delete artifact' });
    await button.waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('button')].some((b) => b.textContent === 'Delete artifact' && b.disabled),
    );
    assert.equal(await button.isDisabled(), true);
    assert.match((await button.getAttribute('title')) ?? '', /delete artifact permission in project team/);
    // Opened by tag, the heading names the tag and the address keeps it.
    assert.match(await page.locator('h1').innerText(), /team\/app:stable/);
    assert.match(page.url(), /artifacts\/stable$/);
    const refused = await session.server.fetch(`/api/v2.0/projects/team/repositories/app/artifacts/stable`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from('gina:Guest-pass-123').toString('base64')}` },
    });
    assert.equal(refused.status, 403, 'and the server refuses it anyway');
    await session.shot(page, '14-forbidden');
    assert.ok((await session.tagsOf('team/app')).includes('stable'), 'nothing was deleted');
    await page.close();
  });

  test('members and the audit log', T, async (t) => {
    if (!session.server.identity) return t.skip(NO_IDENTITY);
    const page = await session.open('/projects/team/members');
    await page.locator('table tbody tr', { hasText: 'gina' }).waitFor();
    await session.shot(page, '15-members');
    await page.goto(`${session.server.url}/audit-logs`);
    await page.locator('table tbody tr').first().waitFor();
    assert.ok((await page.locator('table tbody tr').count()) > 0);
    await session.shot(page, '16-audit-log');
    await page.close();
  });
});
