/**
 * The Scanners page in Chromium: the built-in scanner is listed as the
 * default; an external adapter (a small one on loopback that answers the
 * pluggable scanner API's metadata) is tested, registered, made the default
 * and deleted after a confirmation. Screenshot: docs/screenshots/43-scanners.png.
 *
 * Run: node --import tsx --test test/e2e/scanners.test.ts
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConsoleSession } from './session.ts';
import { missingTools } from './support.ts';

const skip = missingTools();
const T = { timeout: 180_000 };
const KEY = 'e2e-adapter-key';

describe('scanners page', { skip: skip ?? false }, () => {
  let session: ConsoleSession;
  let adapter: Server;
  let adapterUrl = '';
  before(async () => {
    adapter = createServer((req, res) => {
      const ok = req.headers['x-scanneradapter-api-key'] === KEY && req.url === '/api/v1/metadata';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? {
                scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.1' },
                capabilities: [],
                properties: {},
              }
            : { error: { message: 'wrong API key' } },
        ),
      );
    });
    await new Promise<void>((resolve) => adapter.listen(0, '127.0.0.1', resolve));
    adapterUrl = `http://127.0.0.1:${(adapter.address() as AddressInfo).port}`;
    session = await ConsoleSession.start();
  });
  after(async () => {
    await session?.close();
    adapter?.close();
  });

  test('list, add with a connection test, make default, delete', T, async () => {
    const page = await session.open('/scanners');
    await page.getByRole('heading', { name: 'Scanners' }).waitFor();
    const rows = page.locator('table.list tbody tr');
    await rows.filter({ hasText: 'Berth' }).getByText('Default', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'New scanner' }).click();
    const form = page.locator('form');
    await form.getByLabel('Name').fill('trivy');
    await form.getByLabel('Adapter URL').fill(adapterUrl);
    await form.getByLabel('Authentication').selectOption('APIKey');
    await form.getByLabel('Credential').fill('wrong');
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('wrong API key').waitFor();
    await form.getByLabel('Credential').fill(KEY);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('The adapter answered its metadata.').waitFor();
    await form.getByRole('button', { name: 'Create' }).click();
    const trivy = rows.filter({ hasText: 'trivy' });
    await trivy.waitFor();
    assert.ok(!(await page.content()).includes(KEY), 'the credential is never shown');
    await trivy.getByRole('button', { name: 'Test' }).click();
    await trivy.getByText('Trivy 0.50.1').waitFor();
    await trivy.getByRole('button', { name: 'Make default' }).click();
    await trivy.getByText('Default', { exact: true }).waitFor();
    assert.equal(await rows.filter({ hasText: 'builtin://berth' }).getByText('Default', { exact: true }).count(), 0);
    await session.shot(page, '43-scanners');
    await trivy.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Projects that use it fall back to the default scanner.').waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 1);
    await rows.filter({ hasText: 'Berth' }).getByText('Default', { exact: true }).waitFor();
    await page.close();
  });
});
