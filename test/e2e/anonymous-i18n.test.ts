/**
 * A visitor who is not signed in, and the console's two languages, in
 * Debian's Chromium: public projects read without sign-in and without any
 * write button; a fresh page load logs no failed request in the browser
 * console; the header switches to Simplified Chinese (kept across reloads,
 * `<html lang>` set); label keys never break mid-word. Screenshots of the
 * main pages at desktop (1280×800) and phone (390×844) widths, in English and
 * some in Chinese, land in docs/screenshots.
 *
 * Run: node --import tsx --test test/e2e/anonymous-i18n.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildImage } from '../helpers/images.ts';
import { ConsoleSession } from './session.ts';
import { missingTools, ROOT } from './support.ts';

const skip = missingTools();
const T = { timeout: 240_000 };
const DOCS = join(ROOT, 'docs/screenshots');
const WIDTHS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;
let session: ConsoleSession;

/** Everything the browser console would show as an error (failed loads included) while `fn` runs. */
async function consoleErrors(page: Page, fn: () => Promise<void>): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  // A request the page itself gave up (navigating on) is not shown in the browser console; any other failure is.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`failed ${r.url()} ${r.failure()?.errorText}`);
  });
  await fn();
  await page.waitForLoadState('networkidle');
  return errors;
}

async function anonymousPage(viewport: { width: number; height: number }, locale = 'en'): Promise<Page> {
  const page = await session.browser.newPage();
  await page.context().clearCookies();
  await page.setViewportSize(viewport);
  // A JSON answer of the same origin (not the console, whose requests would still be running) to set the language.
  await page.goto(`${session.server.url}/c/session`);
  await page.evaluate((l) => localStorage.setItem('berth.locale', l), locale);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });

describe('anonymous visitors and languages', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    if (!session.server.identity) return;
    const json = { 'content-type': 'application/json' };
    await session.server.fetch('/api/v2.0/projects', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ project_name: 'pub', metadata: { public: 'true' } }),
    });
    await session.createProjects('team');
    await session.push(
      buildImage({
        layerSizes: [4096, 2048],
        history: ['ADD rootfs.tar /', 'RUN apk add --no-cache ca-certificates'],
        labels: {
          'org.opencontainers.image.source': 'https://git.example.com/platform/open-service',
          'io.artifacthub.package.readme-url': 'https://example.com/README.md',
        },
      }),
      'pub/open:1.0',
    );
    await session.push(buildImage({ layerSizes: [1024] }), 'team/app:stable');
  });
  after(async () => {
    await session?.close();
  });

  test('a fresh page load logs no failed request to the browser console', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    for (const path of ['/', '/projects', '/projects/pub', '/projects/pub/repositories/open', '/login']) {
      const page = await anonymousPage(WIDTHS[0][1]);
      const errors = await consoleErrors(page, async () => {
        await page.goto(`${session.server.url}${path}`);
        await page.locator('h1').first().waitFor();
      });
      assert.deepEqual(errors, [], `${path} as a visitor`);
      await page.close();
    }
    // Signed in (the session cookie is the context's), a fresh tab on the dashboard fails no request either.
    const signIn = await session.open('/');
    await signIn.waitForLoadState('networkidle');
    const admin = await session.browser.newPage();
    const errors = await consoleErrors(admin, async () => {
      await admin.goto(`${session.server.url}/`);
      await admin.locator('.card').first().waitFor();
    });
    assert.deepEqual(errors, [], '/ signed in as admin');
    await admin.close();
    await signIn.close();
  });

  test('a visitor reads public projects without signing in, and sees no write action', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    for (const [label, viewport] of WIDTHS) {
      const page = await anonymousPage(viewport);
      await page.goto(`${session.server.url}/projects`);
      await page.locator('a', { hasText: 'pub' }).first().waitFor();
      assert.equal(await page.locator('a', { hasText: /^team$/ }).count(), 0, 'a private project stays hidden');
      assert.equal(new URL(page.url()).pathname, '/projects', 'no detour to sign-in');
      if (label === 'phone') await page.getByRole('button', { name: 'menu' }).click();
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      await shot(page, `anonymous-projects-${label}`);

      await page.goto(`${session.server.url}/projects/pub/repositories/open`);
      await page.locator('table.artifacts tbody tr').first().waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.getByRole('button', { name: 'Delete repository' }).count(), 0);

      await page.goto(`${session.server.url}/projects/pub/repositories/open/artifacts/1.0`);
      await page.locator('ol.layers li').first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const name of ['Delete artifact', 'Add tag', 'remove tag 1.0'])
        assert.equal(await page.getByRole('button', { name }).count(), 0, `${name} is hidden from visitors`);
      assert.equal(new URL(page.url()).pathname, '/projects/pub/repositories/open/artifacts/1.0');
      await shot(page, `anonymous-artifact-${label}`);

      // A private project reads as "sign in", not as a redirect.
      await page.goto(`${session.server.url}/projects/team/repositories/app`);
      await page.getByRole('alert').getByRole('link', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/projects/team/repositories/app');
      await page.close();
    }
  });

  test('label keys wrap at dots, never inside a word', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    // Each part of the key sits on one line: a text's range has one rectangle per line box it spans.
    const brokenParts = (page: Page) =>
      page.locator('dt.label-key', { hasText: 'org.opencontainers.image.source' }).evaluate((dt) =>
        [...dt.querySelectorAll('span')]
          .filter((s) => {
            const range = document.createRange();
            if (s.firstChild) range.selectNode(s.firstChild);
            return range.getClientRects().length > 1;
          })
          .map((s) => s.textContent),
      );
    for (const [label, viewport] of WIDTHS) {
      const page = await anonymousPage(viewport);
      await page.goto(`${session.server.url}/projects/pub/repositories/open/artifacts/1.0`);
      await page.locator('dt.label-key').first().waitFor();
      assert.deepEqual(await brokenParts(page), [], `no part of the key is broken across lines (${label})`);
      if (label === 'desktop') {
        // The check sees a break when there is one: the old rule broke keys anywhere.
        await page.addStyleTag({ content: '.kv dt.label-key { word-break: break-all; }' });
        assert.notDeepEqual(await brokenParts(page), [], 'break-all splits a word of the key');
      }
      await page.close();
    }
  });

  test('the header switches to Simplified Chinese, kept across reloads', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await page.getByRole('link', { name: '项目' }).first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.reload();
    await page.getByRole('heading', { name: '仪表盘' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.getByRole('combobox', { name: '语言' }).selectOption('en');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.close();
  });

  test('screenshots of the main pages, desktop and phone, English and Chinese', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const pages = [
      ['dashboard', '/', '.card'],
      ['projects', '/projects', 'table'],
      ['repositories', '/projects/pub', 'table'],
      ['repository', '/projects/pub/repositories/open', 'table.artifacts tbody tr'],
      ['artifact', '/projects/pub/repositories/open/artifacts/1.0', 'ol.layers li'],
      ['audit-log', '/audit-logs', 'table'],
      ['kube-connections', '/kube', 'h1'],
      ['kube-diagnose', '/kube/diagnose', 'form'],
      ['signing', '/projects/pub/signing', 'table'],
    ] as const;
    for (const locale of ['en', 'zh-CN'] as const) {
      const page = await session.open('/');
      await page.evaluate((l) => localStorage.setItem('berth.locale', l), locale);
      for (const [label, viewport] of WIDTHS) {
        await page.setViewportSize(viewport);
        for (const [name, path, ready] of pages) {
          if (locale === 'zh-CN' && !['dashboard', 'repository', 'artifact', 'kube-diagnose'].includes(name)) continue;
          await page.goto(`${session.server.url}${path}`);
          await page.locator(ready).first().waitFor();
          await page.waitForLoadState('networkidle');
          await shot(page, `${name}-${label}${locale === 'en' ? '' : '-zh'}`);
        }
      }
      await page.close();
    }
    const login = await anonymousPage(WIDTHS[1][1], 'zh-CN');
    await login.goto(`${session.server.url}/login`);
    await login.getByLabel('用户名').fill('admin');
    await login.getByLabel('密码').fill('wrong');
    await login.getByRole('button', { name: '登录' }).click();
    await login.getByRole('alert').getByText('用户名或密码错误。').waitFor();
    await shot(login, 'login-wrong-password-phone-zh');
    await login.close();
  });
});
