/**
 * The Replication and Webhooks pages in Debian's Chromium against Berth with
 * accounts, a real CNCF Distribution target and a local webhook receiver:
 * a policy made with the form is run, its execution reaches Succeed and a
 * task log opens; a webhook made with the form gets a push, its delivery is
 * refused (400) and sent again with the Retry button. Screenshots 50–53 in
 * docs/screenshots (desktop width; the Replication page also in Chinese).
 *
 * Run: node --import tsx --test test/e2e/replication-webhooks.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { pushImage, type Running } from '../access/support.ts';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { ConsoleSession } from './session.ts';
import { CHROMIUM, ROOT } from './support.ts';

const skip = existsSync(CHROMIUM) ? null : 'Chromium is not installed (apt-get install -y chromium)';
const DOCS = join(ROOT, 'docs/screenshots');

describe('console: replication and webhooks', { skip: skip ?? false, timeout: 240_000 }, () => {
  let session: ConsoleSession;
  let target: RegistryServer;
  let receiver: Server;
  let receiverUrl = '';
  const received: { body: string; signature: string }[] = [];

  before(async () => {
    [session, target] = await Promise.all([ConsoleSession.start(), startServer({ kind: 'distribution' })]);
    // The first delivery is refused (a 4xx is not retried by itself), later ones are taken.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-berth-signature'] ?? '') });
        res.statusCode = received.length === 1 ? 400 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await session.createProjects('rep');
    await pushImage({ url: session.server.url } as Running, 'rep/app', '1.0', session.server.adminAuth ?? undefined);
    const made = await session.server.fetch('/api/v2.0/registries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'distribution', type: 'docker-registry', url: target.url }),
    });
    assert.equal(made.status, 201, await made.text());
  });
  after(async () => {
    await session?.close();
    await target?.cleanup();
    receiver?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });

  test('Replication: a policy from the form runs to Succeed, and its task log opens', async () => {
    const page = await session.open('/replication');
    await page.getByLabel('Name', { exact: true }).fill('to-distribution');
    await page.getByLabel('Registry', { exact: true }).selectOption({ label: `distribution (${target.url})` });
    await page.getByLabel('Destination namespace').fill('mirror');
    await page.getByLabel('Repository filter').fill('rep/**');
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByRole('cell', { name: 'to-distribution' }).waitFor();
    await page.getByRole('button', { name: 'Replicate now' }).click();
    await page.getByText('Succeed', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Tasks', exact: true }).first().click();
    await page.getByRole('button', { name: 'Log', exact: true }).first().click();
    await page
      .locator('pre.log')
      .getByText(/pushed manifest mirror\/app:1\.0/)
      .waitFor();
    const there = await fetch(`${target.url}/v2/mirror/app/tags/list`);
    assert.deepEqual(((await there.json()) as { tags: string[] }).tags, ['1.0']);
    await shot(page, '50-replication');

    await page.evaluate(() => localStorage.setItem('berth.locale', 'zh-CN'));
    await page.reload();
    await page.getByRole('heading', { name: '复制', exact: true }).waitFor();
    await page.getByRole('button', { name: '立即复制' }).waitFor();
    await shot(page, '51-replication-zh');
    await page.evaluate(() => localStorage.setItem('berth.locale', 'en'));
    await page.close();
  });

  test('Webhooks: a policy from the form gets a push; a refused delivery is sent again', async () => {
    const page = await session.open('/projects/rep/webhooks');
    await page.getByLabel('webhook name').fill('ci');
    await page.getByLabel('address', { exact: true }).fill(receiverUrl);
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByText('Webhook created').waitFor();
    await page.getByRole('button', { name: 'I have saved the secret' }).click();
    await pushImage({ url: session.server.url } as Running, 'rep/app', '2.0', session.server.adminAuth ?? undefined);
    await page.getByRole('button', { name: 'Deliveries', exact: true }).click();
    await page.getByText('Error', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: '400' }).waitFor();
    await shot(page, '52-webhook-refused');
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.getByText('Success', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Log', exact: true }).first().click();
    await page.locator('pre.log').waitFor();
    assert.equal(received.length, 2);
    assert.equal(received[1]?.body, received[0]?.body, 'the same body again');
    assert.match(received[1]?.signature ?? '', /^sha256=[0-9a-f]{64}$/);
    assert.equal(JSON.parse(received[1]?.body ?? '{}').type, 'PUSH_ARTIFACT');
    await shot(page, '53-webhook-delivered');
    await page.close();
  });
});
