/**
 * The screens a newcomer meets first, at desktop and phone widths: sign-in
 * with a wrong password, the projects list with its repository counts, an
 * artifact opened by tag, a guest's artifact page (delete disabled), a project
 * that does not exist. Screenshots land in test/e2e/screenshots (30-*).
 *
 * Run: node --import tsx --test test/e2e/first-hour.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildImage } from '../helpers/images.ts';
import { ConsoleSession } from './session.ts';
import { ADMIN_PASSWORD, missingTools } from './support.ts';

const skip = missingTools();
const T = { timeout: 180_000 };
const WIDTHS = [
  ['desktop', { width: 1280, height: 860 }],
  ['phone', { width: 390, height: 844 }],
] as const;
let session: ConsoleSession;

async function signedIn(user: string, password: string, path: string): Promise<Page> {
  const page = await session.browser.newPage();
  await page.goto(`${session.server.url}/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel(/username/i).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/login');
  return page;
}

describe('first-hour screens', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    if (!session.server.identity) return;
    await session.createProjects('team');
    await session.push(buildImage({ layerSizes: [2048], history: ['ADD app /app'] }), 'team/app:stable');
    await session.push(buildImage({ layerSizes: [1024], history: ['ADD tool /tool'] }), 'team/tool:1.0');
    await session.server.fetch('/api/v2.0/projects', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'pub', metadata: { public: 'true' } }),
    });
    await session.push(buildImage({ layerSizes: [512], history: ['ADD open /open'] }), 'pub/open:1.0');
    const json = { 'content-type': 'application/json' };
    await session.server.fetch('/api/v2.0/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'gus', password: 'Guest-pass-123', email: 'gus@example.com', realname: 'Gus' }),
    });
    await session.server.fetch('/api/v2.0/projects/team/members', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ role_id: 3, member_user: { username: 'gus' } }),
    });
  });
  after(async () => {
    await session?.close();
  });

  test('sign-in, projects, artifact by tag, a guest, a missing project: desktop and phone', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    for (const [label, viewport] of WIDTHS) {
      const login = await session.browser.newPage();
      await login.setViewportSize(viewport);
      await login.goto(`${session.server.url}/login`);
      await login.getByLabel(/username/i).fill('admin');
      await login.getByLabel('Password').fill('wrong-password');
      await login.getByRole('button', { name: 'Sign in' }).click();
      await login.getByRole('alert').getByText('Wrong user name or password.').waitFor();
      await session.shot(login, `30-login-wrong-password-${label}`);
      await login.close();

      const projects = await signedIn('admin', ADMIN_PASSWORD, '/projects');
      await projects.setViewportSize(viewport);
      const row = projects.locator('tr', { hasText: 'team' }).first();
      await row.waitFor();
      assert.match(await row.innerText(), /\b2\b/, 'team holds two repositories');
      await session.shot(projects, `31-projects-${label}`);

      await projects.goto(`${session.server.url}/projects/team/repositories/app/artifacts/stable`);
      await projects.locator('h1', { hasText: 'team/app:stable' }).waitFor();
      await projects.locator('ol.layers li').first().waitFor();
      assert.match(projects.url(), /artifacts\/stable$/);
      await session.shot(projects, `32-artifact-by-tag-${label}`);

      await projects.goto(`${session.server.url}/projects/nope`);
      await projects.getByRole('alert').waitFor();
      assert.match(await projects.getByRole('alert').innerText(), /There is no project “nope”/);
      await session.shot(projects, `33-missing-project-${label}`);
      await projects.close();

      const guest = await signedIn('gus', 'Guest-pass-123', '/projects/team/repositories/app/artifacts/stable');
      await guest.setViewportSize(viewport);
      await guest.waitForFunction(() =>
        [...document.querySelectorAll('button')].some((b) => b.textContent === 'Delete artifact' && b.disabled),
      );
      assert.equal(await guest.getByRole('link', { name: 'Audit log' }).count(), 0, 'no audit log menu for a guest');
      assert.equal(await guest.getByRole('button', { name: 'Add tag' }).isDisabled(), true);
      assert.equal(await guest.getByRole('button', { name: 'remove tag stable' }).isDisabled(), true);
      await session.shot(guest, `34-guest-artifact-${label}`);
      await guest.close();

      // Nobody signed in: a public project's artifact is readable, read-only, without a detour to sign-in.
      const anonymous = await session.browser.newPage();
      await anonymous.context().clearCookies();
      await anonymous.setViewportSize(viewport);
      await anonymous.goto(`${session.server.url}/projects/pub/repositories/open/artifacts/1.0`);
      await anonymous.locator('h1', { hasText: 'pub/open:1.0' }).waitFor();
      await anonymous.locator('ol.layers li').first().waitFor();
      // A visitor has no write action at all: the buttons are not shown (guests see them disabled).
      await anonymous.waitForLoadState('networkidle');
      assert.equal(await anonymous.getByRole('button', { name: 'Delete artifact' }).count(), 0);
      assert.equal(new URL(anonymous.url()).pathname, '/projects/pub/repositories/open/artifacts/1.0');
      await session.shot(anonymous, `35-anonymous-public-artifact-${label}`);
      await anonymous.close();
    }
  });
});
