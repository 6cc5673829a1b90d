/**
 * The console end to end, in Debian's Chromium driven by playwright-core:
 * an image pushed with skopeo is found from the dashboard, its layers and
 * build history read, a tag added (and pulled by skopeo), a tag removed, an
 * artifact deleted with confirmation; an index, a thousand tags, a narrow
 * screen. Signed in as the administrator when the server has accounts.
 * Screenshots land in test/e2e/screenshots/.
 *
 * Run: node --import tsx --test test/e2e/console.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { type BuiltImage, buildImage, buildIndex } from '../helpers/images.ts';
import { ConsoleSession } from './session.ts';
import { missingTools, pushOverHttp, type RunningBerth, randomLayerTar } from './support.ts';

const skip = missingTools();
const T = { timeout: 180_000 };

let session: ConsoleSession;
let server: RunningBerth;
let browser: BrowserContext;
let image: BuiltImage;
let imageDigest: string;
let oldDigest: string;

const shot = (page: Page, name: string) => session.shot(page, name);
const push = (img: BuiltImage, repoTag: string) => session.push(img, repoTag);
const tagsOf = (repository: string) => session.tagsOf(repository);
const open = (path: string) => session.open(path);

describe('web console', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    server = session.server;
    browser = session.browser;
    const work = session.work;
    await session.createProjects('team', 'infra');
    const layers = [
      await randomLayerTar(work, 'app.bin', 300 * 1024),
      await randomLayerTar(work, 'data.bin', 40 * 1024),
    ];
    image = buildImage({
      layerBytes: layers,
      labels: { 'org.opencontainers.image.source': 'https://example.com/team/app', maintainer: 'platform team' },
      annotations: { 'org.opencontainers.image.description': 'the e2e test image' },
      history: ['ADD app.bin /app/app.bin # buildkit', 'COPY data.bin /app/data.bin'],
    });
    imageDigest = await push(image, 'team/app:v1');
    const old = buildImage({
      layerBytes: [await randomLayerTar(work, 'old.bin', 8 * 1024)],
      history: ['ADD old.bin /'],
    });
    oldDigest = await push(old, 'team/app:old');
    await push(buildImage({ layerSizes: [2048] }), 'infra/proxy:2.1');
    // An SBOM about v1 (a referrer) and a two-platform index, pushed over HTTP.
    const v1 = await server.fetch('/v2/team/app/manifests/v1', { headers: { accept: image.mediaType } });
    const v1Bytes = Buffer.from(await v1.arrayBuffer());
    const sbom = buildImage({
      layerSizes: [700],
      artifactType: 'application/spdx+json',
      subject: { mediaType: image.mediaType, digest: imageDigest, size: v1Bytes.length },
    });
    await pushOverHttp(server, 'team/app', sbom.digest, sbom.manifest, sbom.mediaType, [sbom.config, ...sbom.layers]);
    const amd = buildImage({ layerSizes: [5000], architecture: 'amd64' });
    const arm = buildImage({ layerSizes: [4000], architecture: 'arm64' });
    for (const img of [amd, arm]) {
      await pushOverHttp(server, 'infra/proxy', img.digest, img.manifest, img.mediaType, [img.config, ...img.layers]);
    }
    const index = buildIndex([
      { image: amd, architecture: 'amd64' },
      { image: arm, architecture: 'arm64' },
    ]);
    await pushOverHttp(server, 'infra/proxy', '2.2', index, 'application/vnd.oci.image.index.v1+json', []);
    // Traffic for the chart: a pull through the registry API.
    await server.fetch('/v2/team/app/manifests/v1', { headers: { accept: image.mediaType } });
    await server.fetch('/v2/team/app/manifests/old', { headers: { accept: image.mediaType } });
  });

  after(async () => {
    await session?.close();
  });

  test('the dashboard shows counts, storage per project and the traffic chart', T, async () => {
    const page = await open('/');
    await page.getByText('Storage per project').waitFor();
    await page.locator('.card-value').first().filter({ hasText: /^2$/ }).waitFor();
    const cards = await page.locator('.card').allInnerTexts();
    assert.ok(
      cards.some((c) => /2\s+Projects/.test(c)),
      cards.join(' | '),
    );
    assert.ok(
      cards.some((c) => /4\s+Artifacts/.test(c)),
      cards.join(' | '),
    );
    assert.equal(await page.locator('.chart svg path.line').count(), 2);
    await page.locator('.activity li').first().waitFor();
    await shot(page, '01-dashboard');
    await page.close();
  });

  test('browse from projects to the image pushed by skopeo and read its layers', T, async () => {
    const page = await open('/projects');
    await page.getByRole('link', { name: 'team', exact: true }).click();
    await page.getByRole('link', { name: 'team/app' }).click();
    await page.locator('table.artifacts tbody tr').nth(1).waitFor();
    await shot(page, '02-repository');
    // Search by tag narrows the list.
    await page.getByPlaceholder('Search tags').fill('v1');
    await page.waitForURL(/q=v1/);
    await page.waitForFunction(() => document.querySelectorAll('table.artifacts tbody tr').length === 1);
    await page.getByRole('link', { name: imageDigest.slice(0, 19) }).click();
    await page.getByRole('heading', { name: /Layers/ }).waitFor();
    const layers = page.locator('ol.layers li');
    assert.equal(await layers.count(), 2);
    assert.match(await layers.nth(0).innerText(), /ADD app\.bin \/app\/app\.bin/);
    assert.match(await layers.nth(0).innerText(), /\b30\d KiB\b/);
    assert.match(await layers.nth(1).innerText(), /COPY data\.bin/);
    assert.match(
      await page.locator('.copy-field code').first().innerText(),
      new RegExp(`podman pull --tls-verify=false ${server.hostPort}/team/app@${imageDigest}`),
    );
    const labels = page.locator('.panel').filter({ has: page.getByRole('heading', { name: 'Labels' }) });
    assert.match(await labels.innerText(), /maintainer\s+platform team/);
    const referrers = page.locator('.panel').filter({ has: page.getByRole('heading', { name: /Referrers/ }) });
    assert.match(await referrers.innerText(), /sbom\s+application\/spdx\+json/);
    await shot(page, '03-artifact');
    await page.close();
  });

  test('add a tag (skopeo sees it), then remove the old one', T, async () => {
    const page = await open('/projects/team/repositories/app/artifacts/v1');
    await page.getByLabel('new tag').fill('stable');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.locator('.tag-list .chip', { hasText: 'stable' }).waitFor();
    assert.deepEqual(await tagsOf('team/app'), ['old', 'stable', 'v1']);
    await page.getByRole('button', { name: 'remove tag v1' }).click();
    // Asked in the console's own dialog (the same one everywhere), not the browser's.
    await page.getByRole('dialog').getByRole('button', { name: 'Remove tag' }).click();
    await page.locator('.tag-list .chip', { hasText: 'v1' }).waitFor({ state: 'detached' });
    // The page stays on the artifact (now addressed by digest), not on the tag that went away.
    await page.locator('.tag-list .chip', { hasText: 'stable' }).waitFor();
    assert.match(page.url(), new RegExp(`/artifacts/${imageDigest}$`));
    assert.equal(await page.locator('ol.layers li').count(), 2);
    assert.deepEqual(await tagsOf('team/app'), ['old', 'stable']);
    await shot(page, '04-tags-changed');
    // A tag that no longer exists gets a plain explanation and a way back.
    await page.goto(`${server.url}/projects/team/repositories/app/artifacts/v1`);
    await page.getByText('team/app has no artifact tagged “v1” (any more).').waitFor();
    await shot(page, '04b-tag-gone');
    await page.close();
  });

  test('delete an artifact after confirming', T, async () => {
    const page = await open('/projects/team/repositories/app/artifacts/old');
    await page.getByRole('button', { name: 'Delete artifact' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Its tag \(old\) goes with it/);
    await shot(page, '05-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete artifact' }).click();
    await page.waitForURL(/\/projects\/team\/repositories\/app$/);
    await page.waitForFunction(() => document.querySelectorAll('table.artifacts tbody tr').length === 1);
    assert.deepEqual(await tagsOf('team/app'), ['stable']);
    const gone = await server.fetch(`/v2/team/app/manifests/${oldDigest}`);
    assert.equal(gone.status, 404);
    await page.close();
  });

  test('a multi-platform index lists its platforms', T, async () => {
    const page = await open('/projects/infra/repositories/proxy');
    const row = page.locator('table.artifacts tbody tr', { hasText: '2.2' });
    await row.waitFor();
    assert.match(await row.innerText(), /linux\/amd64, linux\/arm64/);
    await row.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Platforms' }).waitFor();
    assert.equal(await page.locator('.panel table tbody tr').count(), 2);
    await shot(page, '12-index');
    await page.close();
  });

  test('an artifact with a thousand tags: a page at a time', T, async () => {
    const img = buildImage({ layerSizes: [512] });
    const digest = await push(img, 'infra/many:t0000');
    const bytes = Buffer.from(
      await (
        await server.fetch(`/v2/infra/many/manifests/${digest}`, { headers: { accept: img.mediaType } })
      ).arrayBuffer(),
    );
    for (let i = 1; i < 1000; i++) {
      await server.berth.registry.putManifest('infra/many', `t${String(i).padStart(4, '0')}`, bytes, img.mediaType);
    }
    const page = await open('/projects/infra/repositories/many');
    const row = page.locator('table.artifacts tbody tr').first();
    await row.waitFor();
    assert.match(await row.innerText(), /\+980 more/);
    await row.getByRole('link').first().click();
    await page.getByText('Show more (900 not shown)').click();
    await page.getByText('Show more (800 not shown)').waitFor();
    assert.equal(await page.locator('.tag-list .chip').count(), 200);
    await page.close();
  });

  test('works on a narrow screen', T, async () => {
    const page = await open('/projects/team/repositories/app/artifacts/stable');
    await page.setViewportSize({ width: 375, height: 760 });
    await page.getByRole('heading', { name: /Layers/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
    await shot(page, '06-artifact-narrow');
    await page.getByRole('button', { name: 'menu' }).click();
    await page.getByRole('link', { name: 'Dashboard' }).waitFor();
    await shot(page, '07-menu-narrow');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.locator('.chart svg').waitFor();
    const dashboardOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(dashboardOverflow <= 1, `dashboard is ${dashboardOverflow}px wider than the screen`);
    await shot(page, '07b-dashboard-narrow');
    await page.close();
  });

  test('identity pages explain that the module is absent instead of failing', T, async (t) => {
    if (server.identity) return t.skip('this server has the identity module');
    const page = await browser.newPage();
    for (const [path, text, name] of [
      ['/projects/team/members', /Project members are not available on this server yet/, '08-members-absent'],
      ['/projects/team/robots', /Robot accounts are not available on this server yet/, '09-robots-absent'],
      ['/audit-logs', /Audit logs are not available on this server yet/, '10-audit-absent'],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      await page.getByText(text).waitFor();
      if (name === '08-members-absent') await shot(page, name);
    }
    await page.goto(`${server.url}/projects`);
    await page.getByText(/a project is the first part of a repository name/).waitFor();
    await shot(page, '11-projects');
    await page.close();
  });
});
