/**
 * The security dashboard in Chromium: two scanned images (test/scan/fixtures)
 * give counts by severity, the most dangerous CVEs and the findings table,
 * filtered by severity. Screenshots at desktop and phone widths.
 *
 * Run: node --import tsx --test test/e2e/security.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { alpineImage, blobsOf, debianImage, OSV_RECORDS } from '../scan/fixtures.ts';
import { ConsoleSession } from './session.ts';
import { missingTools, pushOverHttp } from './support.ts';

const skip = missingTools();
const T = { timeout: 180_000 };
const REPORT = 'application/vnd.security.vulnerability.report; version=1.1';

describe('security dashboard', { skip: skip ?? false }, () => {
  let session: ConsoleSession;
  before(async () => {
    session = await ConsoleSession.start();
    const server = session.server;
    await session.createProjects('team');
    for (const [repo, image] of [
      ['team/app', blobsOf(debianImage())],
      ['team/alpine', blobsOf(alpineImage(), 'nobody')],
    ] as const) {
      await pushOverHttp(server, repo, 'v1', image.manifest, 'application/vnd.oci.image.manifest.v1+json', [
        ...image.blobs.map((b) => b.data),
        image.config,
      ]);
    }
    const imported = await server.fetch('/api/v2.0/vuln-db', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'osv', entries: OSV_RECORDS }),
    });
    assert.equal(imported.status, 201);
    for (const repo of ['app', 'alpine']) {
      const base = `/api/v2.0/projects/team/repositories/${repo}/artifacts/v1`;
      assert.equal((await server.fetch(`${base}/scan`, { method: 'POST' })).status, 202);
      for (let i = 0; i < 200; i++) {
        const r = await server.fetch(`${base}/additions/vulnerabilities`);
        if (
          r.status === 200 &&
          ((await r.json()) as Record<string, { scan_status: string }>)[REPORT].scan_status !== 'Running'
        )
          break;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  });
  after(() => session?.close());

  test('counts, charts, dangerous CVEs and the findings table', T, async () => {
    const page = await session.open('/security');
    await page.getByRole('heading', { name: 'Most dangerous CVEs' }).waitFor();
    await page.getByText('GHSA-jfh8-c2jp-5v3q').first().waitFor();
    // The findings table comes from a request of its own: counted before its rows arrived, it had none (CI).
    await page.locator('table.list tbody tr').nth(5).waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 6);
    await page.getByRole('img', { name: 'findings per scan day' }).waitFor();
    await session.shot(page, '40-security');
    await page.setViewportSize({ width: 375, height: 800 });
    // On a phone the page itself never scrolls sideways: wide tables scroll inside their own box.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await session.shot(page, '41-security-narrow');
    await page.getByRole('combobox', { name: 'severity' }).selectOption('Critical');
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 1);
    await page.close();
  });

  test("an artifact's vulnerabilities with filters and derived labels", T, async () => {
    const page = await session.open('/projects/team/repositories/app/artifacts/v1');
    await page.getByRole('heading', { name: 'Vulnerabilities' }).waitFor();
    const rows = page.locator('.vulnerabilities table.list tbody tr');
    await page.getByText('GHSA-jfh8-c2jp-5v3q').first().waitFor();
    const all = await rows.count();
    assert.ok(all >= 4, `${all} findings`);
    await page.getByText('os:debian-12').first().waitFor();
    await page.locator('.vulnerabilities').getByRole('combobox', { name: 'severity' }).selectOption('Critical');
    await page.waitForFunction(() => document.querySelectorAll('.vulnerabilities table.list tbody tr').length === 1);
    await page.locator('.vulnerabilities').getByRole('combobox', { name: 'severity' }).selectOption('');
    await page.getByRole('textbox', { name: 'package' }).fill('libssl');
    await page.waitForFunction(() => document.querySelectorAll('.vulnerabilities table.list tbody tr').length === 1);
    await page.getByRole('textbox', { name: 'package' }).fill('');
    await session.shot(page, '42-artifact-vulnerabilities');
    await page.close();
  });
});
