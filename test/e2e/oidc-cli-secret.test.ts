/**
 * An OIDC user's CLI secret, in Debian's Chromium, against a real OpenID
 * provider (oidc-provider, started here; its login and consent are answered
 * for the user, so no provider's own sign-in form is exercised): the user
 * signs in through the provider, makes their CLI secret on My account, and
 * podman's way of signing in (Basic with that secret) works; a new one
 * replaces it; an administrator's reset from Users replaces it too.
 * Screenshots: docs/screenshots/console-account-cli-secret-desktop.png,
 * console-account-cli-secret-phone-zh.png.
 *
 * Run: npm run --silent build && node --import tsx --test test/e2e/oidc-cli-secret.test.ts
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';
import { ConsoleSession } from './session.ts';
import { basicAuth, missingTools, ROOT } from './support.ts';

const skip = missingTools();
const T = { timeout: 240_000 };
const DOCS = join(ROOT, 'docs/screenshots');
let session: ConsoleSession;
let idp: Server;
/** The secret olga made last on My account. */
let olgasSecret = '';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** What a registry client signing in as olga with `secret` gets from /v2/ (200 or 401). */
async function registryLogin(secret: string): Promise<number> {
  const res = await globalThis.fetch(`${session.server.url}/v2/`, {
    headers: { authorization: basicAuth('olga', secret) },
  });
  await res.arrayBuffer();
  return res.status;
}

async function shownSecret(page: Page): Promise<string> {
  const box = page.locator('.secret-box');
  await box.waitFor();
  return (await box.locator('code').first().innerText()).trim();
}

describe('the CLI secret of an OIDC user', { skip: skip ?? false }, () => {
  before(async () => {
    const idpPort = await freePort();
    const berthPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}`;
    const callback = `http://127.0.0.1:${berthPort}/c/oidc/callback`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'berth',
          client_secret: 'berth-client-secret',
          redirect_uris: [callback],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({ sub: id, preferred_username: 'olga', email: 'olga@idp.test', name: 'Olga Oidc' }),
      }),
      claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      cookies: { keys: ['e2e-oidc-cookie-key'] },
    });
    const handler = provider.callback();
    idp = createServer(async (req, res) => {
      if (req.url?.startsWith('/interaction/')) {
        // Olga signs in at the provider and consents to what Berth asks.
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: 'sub-olga', clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: 'sub-olga' }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      handler(req, res);
    });
    await new Promise<void>((resolve) => idp.listen(idpPort, '127.0.0.1', resolve));
    session = await ConsoleSession.start({
      env: {
        BERTH_OIDC_ISSUER: issuer,
        BERTH_OIDC_CLIENT_ID: 'berth',
        BERTH_OIDC_CLIENT_SECRET: 'berth-client-secret',
        BERTH_OIDC_REDIRECT_URL: callback,
      },
      port: berthPort,
    });
  });
  after(async () => {
    await session?.close();
    await new Promise((resolve) => idp?.close(resolve));
  });

  test('olga signs in through the provider and makes her CLI secret on My account', T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${session.server.url}/login`);
    await page.getByRole('link', { name: /^Sign in with / }).click();
    await page.waitForURL((u) => u.host === session.server.hostPort && u.pathname === '/');
    const header = page.getByRole('banner');
    await header.getByRole('link', { name: 'olga' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
    await page.getByText('the OIDC provider').waitFor();
    assert.equal(await registryLogin(''), 401, 'no secret yet: no registry login');

    const panel = page.getByRole('region', { name: 'CLI secret' });
    await panel.getByRole('button', { name: 'Generate a new CLI secret' }).click();
    const first = await shownSecret(page);
    assert.equal(await registryLogin(first), 200, 'podman login with the shown secret works');
    assert.match(
      await panel.locator('.secret-box').innerText(),
      /podman login --tls-verify=false 127\.0\.0\.1:\d+ -u 'olga'/,
    );
    await page.screenshot({ path: join(DOCS, 'console-account-cli-secret-desktop.png'), fullPage: true });

    await panel.getByRole('button', { name: 'Generate a new CLI secret' }).click();
    await page.waitForFunction((old) => document.querySelector('.secret-box code')?.textContent?.trim() !== old, first);
    const second = await shownSecret(page);
    assert.equal(await registryLogin(first), 401, 'the old secret stopped working');
    assert.equal(await registryLogin(second), 200);
    olgasSecret = second;

    // The same page in Chinese, at phone width.
    await page.evaluate(() => localStorage.setItem('berth.locale', 'zh-CN'));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('region', { name: 'CLI 密钥' }).getByRole('button', { name: '生成新的 CLI 密钥' }).waitFor();
    await page.screenshot({ path: join(DOCS, 'console-account-cli-secret-phone-zh.png'), fullPage: true });
    await page.evaluate(() => localStorage.setItem('berth.locale', 'en'));
    await page.close();
  });

  test("an administrator resets olga's CLI secret from Users", T, async (t) => {
    if (!session.server.identity) return t.skip('this server runs without accounts');
    const page = await session.open('/users');
    const row = page.locator('tr', { hasText: 'olga' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('region', { name: 'Edit olga' });
    await editor.getByText(/signs in through OIDC/).waitFor();
    assert.equal(await editor.getByRole('button', { name: 'Set password' }).count(), 0, 'no password to reset');
    await editor.getByRole('button', { name: 'Generate a new CLI secret' }).click();
    const reset = await shownSecret(page);
    assert.equal(await registryLogin(reset), 200, "the administrator's secret works for olga");
    if (olgasSecret) assert.equal(await registryLogin(olgasSecret), 401, 'the one she made is replaced');
    await page.close();
  });
});
