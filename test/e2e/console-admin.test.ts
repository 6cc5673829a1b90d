/**
 * Console completeness, in Chromium: project visibility, deletion of a
 * project that is not empty (the API's 412, then a forced delete), project
 * settings (pull gates, quota), a repository's markdown description (no raw
 * HTML), bulk deletion of artifacts and tags, users (edit, administrator,
 * password), robots (refresh secret, disable), system settings, About and the
 * global search. Screenshots at desktop (1280×800) and phone (390×844)
 * widths land in docs/screenshots (console-*).
 *
 * Run: node --import tsx --test test/e2e/console-admin.test.ts
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildImage } from '../helpers/images.ts';
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

/** Both widths of the page as it is now (the phone shot reloads at 390 px). */
async function shoot(page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(DOCS, `console-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(DOCS, `console-${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

describe('console completeness', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    if (!session.server.identity) return;
    await session.createProjects('team', 'scratch');
    await session.push(buildImage({ layerSizes: [2048], history: ['ADD app /app'] }), 'team/app:1.0');
    await session.push(buildImage({ layerSizes: [1024], history: ['ADD app2 /app'] }), 'team/app:2.0');
    await session.push(buildImage({ layerSizes: [512], history: ['ADD x /x'] }), 'team/app:3.0');
    await session.push(buildImage({ layerSizes: [700], history: ['ADD y /y'] }), 'scratch/tmp:1');
    await apiJson('/projects/team/repositories/app/artifacts/3.0/tags', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'extra' }),
    });
    await apiJson('/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        username: 'olga',
        password: 'Olga-pass-123',
        email: 'olga@example.com',
        realname: 'Olga',
      }),
    });
    await apiJson('/projects/team/robots', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        name: 'ci',
        duration: 30,
        level: 'project',
        permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }],
      }),
    });
  });
  after(async () => {
    await session?.close();
  });

  test('projects: visibility, and deleting a project that is not empty', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/projects');
    await page.setViewportSize(DESKTOP);
    const team = page.locator('tr', { hasText: 'team' }).first();
    await team.getByRole('button', { name: 'Make public' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make public' }).click();
    await team.getByRole('button', { name: 'Make private' }).waitFor();
    assert.equal((await apiJson('/projects/team')).body.metadata.public, 'true');
    await shoot(page, 'projects');

    const scratch = page.locator('tr', { hasText: 'scratch' }).first();
    await scratch.getByRole('button', { name: 'Delete' }).click();
    const first = page.getByRole('dialog');
    await first.getByText(/holds 1 repositories, 1 artifacts/).waitFor();
    await first.getByRole('button', { name: 'Delete project' }).click();
    const second = page.getByRole('dialog', { name: 'scratch is not empty' });
    await second.getByText(/The server refused/).waitFor();
    await shoot(page, 'project-delete-not-empty');
    await second.getByRole('button', { name: 'Delete everything' }).click();
    await page.locator('tr', { hasText: 'scratch' }).waitFor({ state: 'detached' });
    assert.equal((await apiJson('/projects/scratch')).status, 404);
    await page.close();
  });

  test('project settings: pull gates and quota', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/projects/team/settings');
    await page.setViewportSize(DESKTOP);
    const form = page.getByRole('form', { name: 'project settings' });
    await form.locator('input[name=prevent_vul]').check();
    await form.getByLabel('severity').selectOption('high');
    await form.locator('input[name=auto_scan]').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved.').waitFor();
    const meta = (await apiJson('/projects/team')).body.metadata;
    assert.equal(meta.prevent_vul, 'true');
    assert.equal(meta.severity, 'high');
    assert.equal(meta.auto_scan, 'true');

    const quota = page.getByRole('form', { name: 'quota' });
    await quota.getByLabel('Limit').fill('5');
    await quota.getByLabel('unit').selectOption('GiB');
    await quota.getByRole('button', { name: 'Save' }).click();
    await quota.getByText(/Limit: 5(\.0)? GiB/).waitFor();
    const id = (await apiJson('/projects/team')).body.project_id;
    assert.equal((await apiJson(`/quotas/${id}`)).body.hard.storage, 5 * 2 ** 30);
    await shoot(page, 'project-settings');
    await page.close();
  });

  test('a repository description in markdown, and bulk delete of artifacts and tags', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/projects/team/repositories/app');
    await page.setViewportSize(DESKTOP);
    await page.getByRole('button', { name: 'Add a description' }).click();
    await page
      .getByLabel('description (markdown)')
      .fill('# The app\n\nRun it with `podman run`.\n\n- **fast**\n- small\n\n<script>alert(1)</script>');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.markdown h2', { hasText: 'The app' }).waitFor();
    assert.equal(await page.locator('.markdown script').count(), 0, 'no raw HTML reaches the page');
    await page.locator('.markdown', { hasText: '<script>alert(1)</script>' }).waitFor();
    assert.match((await apiJson('/projects/team/repositories/app')).body.description, /^# The app/);

    await page.getByRole('button', { name: /Select artifacts and tags to delete/ }).click();
    const panel = page.locator('.bulk-delete');
    const rows = panel.locator('.bulk-list li');
    await rows.nth(2).waitFor();
    const artifacts = (await apiJson('/projects/team/repositories/app/artifacts?sort=-push_time')).body as {
      digest: string;
      tags: { name: string }[];
    }[];
    const oldest = artifacts.find((a) => a.tags.some((x) => x.name === '1.0'));
    assert.ok(oldest);
    await panel.getByLabel(`artifact ${oldest.digest.slice(7, 19)}`).check();
    await panel.getByLabel('tag extra').check();
    await panel.getByRole('button', { name: 'Delete 2 selected' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`artifact ${oldest.digest.slice(7, 19)}, tag extra`).waitFor();
    await shoot(page, 'bulk-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete 2 selected' }).click();
    await panel.getByRole('button', { name: 'Delete 0 selected' }).waitFor();
    const left = (await apiJson('/projects/team/repositories/app/artifacts')).body as { tags: { name: string }[] }[];
    assert.deepEqual(left.flatMap((a) => a.tags.map((x) => x.name)).sort(), ['2.0', '3.0']);
    await shoot(page, 'repository-description');
    await page.close();
  });

  test('users: edit, make administrator, reset password', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/users');
    await page.setViewportSize(DESKTOP);
    const row = page.locator('tr', { hasText: 'olga' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('region', { name: 'Edit olga' });
    await editor.getByLabel('Email').fill('olga@team.example');
    await editor.getByRole('button', { name: 'Save profile' }).click();
    await editor.getByText('Saved.').waitFor();
    await editor.getByLabel('New password').fill('Brand-new-pass-9');
    await editor.getByRole('button', { name: 'Set password' }).click();
    await editor.getByText(/The password was changed/).waitFor();
    await shoot(page, 'user-edit');
    // The box changes only once the dialog is confirmed and the server agreed.
    await row.getByLabel('olga is an administrator').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make administrator' }).click();
    await page.waitForFunction(() =>
      Boolean(document.querySelector<HTMLInputElement>('input[aria-label="olga is an administrator"]')?.checked),
    );
    const olga = (
      (await apiJson('/users?page_size=100')).body as { username: string; user_id: number; email: string }[]
    ).find((u) => u.username === 'olga');
    assert.ok(olga);
    assert.equal(olga.email, 'olga@team.example');
    await page.waitForFunction(
      async (id) => (await (await fetch(`/api/v2.0/users/${id}`)).json()).sysadmin_flag === true,
      olga.user_id,
    );
    const res = await globalThis.fetch(`${session.server.url}/api/v2.0/users/current`, {
      headers: { authorization: basicAuth('olga', 'Brand-new-pass-9') },
    });
    assert.equal(res.status, 200, 'the new password signs in');
    await page.close();
  });

  test('robots: refresh the secret (shown once) and disable', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/projects/team/robots');
    await page.setViewportSize(DESKTOP);
    const row = page.locator('tr', { hasText: 'robot$team+ci' });
    await row.getByRole('button', { name: 'Refresh secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Refresh secret' }).click();
    const box = page.getByRole('status');
    await box.getByText('New secret for robot$team+ci').waitFor();
    const secret = (await box.locator('code').first().innerText()).trim();
    const ok = await globalThis.fetch(
      `${session.server.url}/service/token?service=berth&scope=repository:team/app:pull`,
      { headers: { authorization: basicAuth('robot$team+ci', secret) } },
    );
    assert.equal(ok.status, 200, 'the shown secret works');
    await shoot(page, 'robot-refreshed');
    await page.getByRole('button', { name: 'I have saved the secret' }).click();
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled').waitFor();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    await page.close();
  });

  test('administration: system settings, About, global search', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/admin/settings');
    await page.setViewportSize(DESKTOP);
    await page.getByLabel('Registry token lifetime (minutes)').fill('15');
    await page.getByLabel('Who may create projects').selectOption('adminonly');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved\. Every node/).waitFor();
    const config = (await apiJson('/configurations')).body;
    assert.equal(config.token_expiration.value, 15);
    assert.equal(config.project_creation_restriction.value, 'adminonly');
    await shoot(page, 'system-settings');

    await page.goto(`${session.server.url}/about`);
    await page.getByText('Overall: healthy').waitFor();
    assert.equal(await page.locator('td', { hasText: 'metadata database' }).count(), 1);
    await shoot(page, 'about');

    await page.goto(`${session.server.url}/projects`);
    await page.getByLabel('Global search').fill('app');
    const results = page.locator('.global-search .results');
    await results.getByRole('link', { name: /team\/app/ }).waitFor();
    await page.screenshot({ path: join(DOCS, 'console-search-desktop.png') });
    await results.getByRole('link', { name: /team\/app/ }).click();
    await page.waitForURL((u) => u.pathname === '/projects/team/repositories/app');
    await page.close();
  });
});
