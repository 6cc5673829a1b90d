/**
 * The project Policies page in Chromium: a retention rule added in the form,
 * a dry run whose details list what would be removed, a real run confirmed in
 * the dialog, and an immutable tag rule added and deleted. Screenshots go to
 * docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildImage } from '../helpers/images.ts';
import { ConsoleSession } from './session.ts';
import { missingTools, ROOT } from './support.ts';

const skip = missingTools();
const DOCS = join(ROOT, 'docs/screenshots');
const shot = (page: Page, name: string) => page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });

describe('project policies console', { skip: skip ?? false }, () => {
  let session: ConsoleSession;
  before(async () => {
    session = await ConsoleSession.start();
    await session.createProjects('team');
    for (const [i, tag] of ['stable', '1.0', '1.1', '1.2'].entries())
      await session.push(buildImage({ layerSizes: [5_000 + i] }), `team/app:${tag}`);
  });
  after(async () => session?.close());

  test('retention: add a rule, dry run, run now; immutable rule add and delete', async () => {
    const page = await session.open('/projects/team/policies');
    await page.getByRole('heading', { name: 'Tag retention' }).waitFor();
    await page.getByText('No retention rules yet').waitFor();

    // An immutable rule protects "stable" from the retention run below.
    const immutable = page.locator('#immutable');
    await immutable.getByLabel('Tags').fill('stable');
    await immutable.getByRole('button', { name: 'Add immutable rule' }).click();
    await immutable.getByRole('cell', { name: 'stable' }).waitFor();

    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Keep').selectOption('latestPushedK');
    await page.getByLabel('Count or days').fill('2');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('the 2 most recently pushed').waitFor();

    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('cell', { name: 'Success' }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Details' }).first().click();
    await page.getByText('Would remove').first().waitFor();
    await page.getByText(/immutable: tag stable matches immutable tag rule/).waitFor();
    await shot(page, 'policies-retention-dry-run');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('dialog').waitFor();
    await shot(page, 'policies-retention-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr td:nth-child(3)').length > 0);
    for (let i = 0; i < 100; i++) {
      const list = await (await session.server.fetch('/api/v2.0/projects/team')).json();
      const executions = await (
        await session.server.fetch(`/api/v2.0/retentions/${list.metadata.retention_id}/executions`)
      ).json();
      if (executions.length === 2 && executions[0].status !== 'Running') break;
      await page.waitForTimeout(200);
    }
    assert.deepEqual((await session.tagsOf('team/app')).sort(), ['1.1', '1.2', 'stable']);
    await page.reload();
    await page.getByRole('button', { name: 'Details' }).first().click();
    await page.getByText('Removed', { exact: true }).first().waitFor();
    await shot(page, 'policies-retention-run');

    await immutable.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await immutable.getByText('No immutable tag rules.').waitFor();
  });

  test('the page in Simplified Chinese', async () => {
    const page = await session.open('/projects/team/policies');
    await page.evaluate(() => localStorage.setItem('berth.locale', 'zh-CN'));
    await page.reload();
    await page.getByRole('heading', { name: '标签保留' }).waitFor();
    await page.getByText('最近推送的 2 个').waitFor();
    await shot(page, 'policies-zh');
  });
});
