/**
 * Details of the console a first hour runs into, in Debian's Chromium: the
 * audit log reads "sign in / user admin" and "sign out / user admin" (it read
 * "login / login admin"), the registry name from system settings is in the
 * header for everyone (English and Chinese), and a robot past its expiry
 * carries an "expired" badge. Screenshots land in docs/screenshots
 * (console-registry-name-*, console-audit-sign-in-out-desktop,
 * console-robot-expired-desktop).
 *
 * Run: npm run --silent build && node --import tsx --test test/e2e/console-details.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ConsoleSession } from './session.ts';
import { basicAuth, missingTools, ROOT } from './support.ts';

const skip = missingTools();
const T = { timeout: 240_000 };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const DOCS = join(ROOT, 'docs/screenshots');
let session: ConsoleSession;

const json = { 'content-type': 'application/json' };
const apiJson = async (path: string, init: RequestInit = {}) => {
  const res = await session.server.fetch(`/api/v2.0${path}`, init);
  return { status: res.status, body: await res.json().catch(() => null) };
};
const shot = (page: Page, name: string) => page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });

/** The cells of the audit table's rows, as text. */
async function auditRows(page: Page): Promise<string[][]> {
  return page
    .locator('table tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
}

describe('console details', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    if (!session.server.identity) return;
    await session.createProjects('team');
  });
  after(async () => {
    await session?.close();
  });

  test('the audit log: signing in and out are operations on a user, filterable', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const first = await session.open('/projects');
    await first.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await first.waitForURL((u) => u.pathname === '/login');
    await first.close();

    const page = await session.open('/audit-logs');
    await page.setViewportSize(DESKTOP);
    await page.getByLabel('operation').selectOption('logout');
    await page.waitForURL((u) => u.searchParams.get('operation') === 'logout');
    await page.locator('table tbody tr td', { hasText: 'sign out' }).first().waitFor();
    const outs = await auditRows(page);
    assert.deepEqual(
      outs.map((r) => r.slice(1, 4)),
      [['admin', 'sign out', 'user admin']],
    );

    await page.getByLabel('operation').selectOption('login');
    await page.locator('table tbody tr td', { hasText: 'sign in' }).nth(1).waitFor();
    const ins = await auditRows(page);
    assert.equal(ins.length, 2, JSON.stringify(ins));
    for (const row of ins) assert.deepEqual(row.slice(1, 4), ['admin', 'sign in', 'user admin']);

    // The resource type filter no longer offers "login"; "user" finds the sign-ins.
    const types = await page.getByLabel('resource type').locator('option').allTextContents();
    assert.ok(!types.includes('sign in') && !types.includes('login'), String(types));
    await page.getByLabel('resource type').selectOption('user');
    await page.waitForURL((u) => u.searchParams.get('resource_type') === 'user');
    await page.locator('table tbody tr').nth(1).waitFor();
    await page.getByLabel('operation').selectOption('');
    await page.locator('table tbody tr td', { hasText: 'sign out' }).first().waitFor();
    await shot(page, 'console-audit-sign-in-out-desktop');
    await page.close();
  });

  test('a robot past its expiry shows an "expired" badge; one within it does not', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const robot = (name: string) =>
      apiJson('/projects/team/robots', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          name,
          duration: 30,
          level: 'project',
          permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }],
        }),
      });
    const old = await robot('nightly');
    assert.equal(old.status, 201, JSON.stringify(old.body));
    assert.equal((await robot('fresh')).status, 201);
    // The API never makes a robot that is already expired: let its time pass in the store.
    await session.server.berth.access.store.updateRobot(old.body.id, {
      expiresAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    });
    const listed = (await apiJson('/projects/team/robots')).body as { name: string; expires_at: number }[];
    const expiresAt = listed.find((r) => r.name === 'robot$team+nightly')?.expires_at ?? Number.POSITIVE_INFINITY;
    assert.ok(expiresAt < Date.now() / 1000, 'the API lists it as expired');

    const page = await session.open('/projects/team/robots');
    await page.setViewportSize(DESKTOP);
    const expired = page.locator('tr', { hasText: 'robot$team+nightly' });
    await expired.locator('.badge.expired', { hasText: 'expired' }).waitFor();
    const fresh = page.locator('tr', { hasText: 'robot$team+fresh' });
    await fresh.waitFor();
    assert.equal(await fresh.locator('.badge.expired').count(), 0);
    await shot(page, 'console-robot-expired-desktop');

    // The badge agrees with the server: the expired robot's secret no longer gets a token.
    const refused = await globalThis.fetch(
      `${session.server.url}/service/token?service=berth&scope=repository:team/app:pull`,
      {
        headers: { authorization: basicAuth(old.body.name, old.body.secret) },
      },
    );
    assert.equal(refused.status, 401);
    await page.close();
  });

  test('the registry name from system settings is in the header, for visitors too, in both languages', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/admin/settings');
    await page.setViewportSize(DESKTOP);
    const brand = page.getByRole('banner').locator('.brand');
    await brand.getByText('Berth', { exact: true }).waitFor();
    await page.getByLabel('Registry name').fill('Acme Images');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved\. Every node/).waitFor();
    // This tab's header follows at once, without a reload.
    await brand.getByText('Acme Images', { exact: true }).waitFor();
    assert.equal((await apiJson('/configurations')).body.registry_name.value, 'Acme Images');
    assert.equal(await page.title(), 'Acme Images');
    await shot(page, 'console-registry-name-desktop');
    await page.close();

    // A visitor, not signed in: the name comes from the public /systeminfo.
    await session.browser.clearCookies();
    for (const [locale, title] of [
      ['en', 'Acme Images, a Berth registry: back to the dashboard'],
      ['zh-CN', 'Acme Images（Berth 镜像仓库）：返回仪表盘'],
    ] as const) {
      const visitor = await session.browser.newPage();
      await visitor.goto(`${session.server.url}/c/session`);
      await visitor.evaluate((l) => localStorage.setItem('berth.locale', l), locale);
      await visitor.setViewportSize(locale === 'en' ? DESKTOP : PHONE);
      await visitor.goto(`${session.server.url}/`);
      const link = visitor.getByRole('banner').locator('a.brand');
      await link.getByText('Acme Images', { exact: true }).waitFor();
      assert.equal(await link.getAttribute('title'), title);
      assert.equal(await visitor.title(), 'Acme Images');
      await shot(visitor, locale === 'en' ? 'console-registry-name-visitor-desktop' : 'console-registry-name-phone-zh');
      await visitor.close();
    }
  });
});
