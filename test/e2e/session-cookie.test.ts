/**
 * The console's sign-in in a real browser: the password is never kept by the
 * page (no storage, no readable cookie), the session cookie is HttpOnly, a
 * wrong password says so, and signing out ends the session on the server.
 *
 * Run: node --import tsx --test test/e2e/session-cookie.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsoleSession } from './session.ts';
import { ADMIN_PASSWORD, missingTools } from './support.ts';

const skip = missingTools();
const T = { timeout: 120_000 };
let session: ConsoleSession;

describe('console sign-in through a server session', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
  });
  after(async () => {
    await session?.close();
  });

  test('wrong password, then a session the page cannot read, then sign-out ends it', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.browser.newPage();
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    await page.goto(`${session.server.url}/login`);
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong user name or password.').waitFor();
    assert.deepEqual(
      failed.filter((f) => !f.startsWith('401 /c/login')),
      [],
      'a fresh load of the login page makes no failing request',
    );

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname !== '/login');
    await page.getByText('Sign out').waitFor();
    const stored = await page.evaluate(() => ({
      session: JSON.stringify({ ...sessionStorage }),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    }));
    assert.doesNotMatch(stored.session + stored.local + stored.cookie, new RegExp(ADMIN_PASSWORD));
    assert.doesNotMatch(stored.session + stored.local, /Basic |Bearer /);
    assert.doesNotMatch(stored.cookie, /berth_session/, 'the session cookie is HttpOnly');
    const cookies = await session.browser.cookies(session.server.url);
    const sessionCookie = cookies.find((c) => c.name === 'berth_session');
    assert.ok(sessionCookie?.httpOnly);
    assert.equal(sessionCookie?.sameSite, 'Strict');

    await page.getByText('Sign out').click();
    await page.waitForURL((u) => u.pathname === '/login');
    const reuse = await fetch(`${session.server.url}/api/v2.0/users/current`, {
      headers: { cookie: `berth_session=${sessionCookie?.value}` },
    });
    assert.equal(reuse.status, 401, 'the old cookie no longer works');
  });
});
