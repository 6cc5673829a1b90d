/**
 * The storage-lifecycle console screens in Chromium: the Storage page (usage
 * and quotas, GC with a dry-run preview and its log, immutable rules) and a
 * tag's history with a rollback confirmed in the dialog. Screenshots go to
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

describe('storage lifecycle console', { skip: skip ?? false }, () => {
  let session: ConsoleSession;
  let first: string;
  let second: string;
  before(async () => {
    session = await ConsoleSession.start();
    await session.createProjects('team');
    first = await session.push(buildImage({ layerSizes: [30_000] }), 'team/app:prod');
    second = await session.push(buildImage({ layerSizes: [20_000] }), 'team/app:prod');
    const old = await session.push(buildImage({ layerSizes: [10_000] }), 'team/app:old');
    const deleted = await session.server.fetch(`/v2/team/app/manifests/${old}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    const quotas = await (await session.server.fetch('/api/v2.0/quotas')).json();
    await session.server.fetch(`/api/v2.0/quotas/${quotas[0].id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hard: { storage: 1_000_000 } }),
    });
  });
  after(async () => session?.close());

  test('Storage page: usage, GC preview with its log, immutable rule', async () => {
    const page = await session.open('/storage');
    await page.getByRole('heading', { name: 'Usage and quotas' }).waitFor();
    await page.getByText('team').first().waitFor();
    await page.getByLabel('time window').fill('0');
    await page.getByRole('button', { name: 'Preview GC' }).click();
    await page.waitForTimeout(1500);
    await page.reload();
    await page.getByRole('button', { name: 'log' }).first().click();
    await page.getByText('eligible blob').first().waitFor();
    await page.getByLabel('project', { exact: true }).fill('team');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('matches v*').waitFor();
    await shot(page, 'storage-lifecycle');
  });

  test('tag history timeline and rollback with confirmation', async () => {
    const page = await session.open('/projects/team/repositories/app/tags/prod/history');
    await page.getByText('move').first().waitFor();
    await shot(page, 'tag-history');
    await page.getByRole('button', { name: 'Roll back to this' }).first().click();
    await page.getByRole('dialog').waitFor();
    await shot(page, 'tag-rollback-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await page.getByText('rollback').first().waitFor();
    const res = await session.server.fetch('/v2/team/app/manifests/prod', {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(res.headers.get('docker-content-digest'), first);
    assert.notEqual(first, second);
    await shot(page, 'tag-history-after-rollback');
  });
});
