/**
 * The console's Kubernetes pages in Debian's Chromium, against Berth with
 * accounts and the fake Kubernetes API server: a connection created with its
 * robot in one step, tested; its pull secret copied (as the API renders it);
 * a cluster registered by kubeconfig; the secret placed and synced (and
 * really in the cluster); mirror files rendered; a failing pull diagnosed;
 * the menu hidden from non-administrators. Screenshots 20–25.
 *
 * Run: node --import tsx --test test/e2e/kube.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { pushImage, type Running } from '../access/support.ts';
import { FakeApiServer } from '../kube/fake-apiserver.ts';
import { ConsoleSession } from './session.ts';
import { CHROMIUM } from './support.ts';

const skip = existsSync(CHROMIUM) ? null : 'Chromium is not installed (apt-get install -y chromium)';
const T = { timeout: 120_000 };

let session: ConsoleSession;
const cluster = new FakeApiServer();
let connectionId = 0;

const json = { 'content-type': 'application/json' };
/** The management API as the administrator: JSON, or the text as sent. */
async function api<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await session.server.fetch(`/api/v2.0${path}`, init);
  const text = await res.text();
  assert.ok(res.ok, `${path}: ${res.status} ${text}`);
  return (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
}
const apiText = async (path: string) => (await session.server.fetch(`/api/v2.0${path}`)).text();

/** A full-page screenshot from the top (the sticky header stays where it belongs). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await session.shot(page, name);
}

/** The clipboard's text, after a copy button was pressed. */
const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

describe('console: Kubernetes', { skip: skip ?? false }, () => {
  before(async () => {
    session = await ConsoleSession.start();
    assert.ok(session.server.identity, 'these tests run with accounts');
    await session.browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url });
    await cluster.start();
    for (const ns of ['apps', 'web']) cluster.addNamespace(ns);
    await session.createProjects('team');
    await pushImage({ url: session.server.url } as Running, 'team/app', '1.0', session.server.adminAuth ?? undefined);
    // A pod in a namespace without any pull secret.
    cluster.put('pods', 'web', {
      metadata: { name: 'web-1' },
      spec: { containers: [{ name: 'web', image: `${session.server.hostPort}/team/app:1.0` }] },
    });
  });

  after(async () => {
    await session?.close();
    await cluster.stop();
  });

  test('create a connection with a Berth robot in one step, and test it', T, async () => {
    const page = await session.open('/');
    await page.getByRole('link', { name: 'Kubernetes' }).click();
    await page.getByRole('heading', { name: 'Kubernetes' }).waitFor();
    await page.getByText('No registry connections yet').waitFor();
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.getByLabel('Name', { exact: true }).fill('internal');
    // The address rule, as the API words it, under the address field.
    // A host alone is accepted (as kubectl accepts it); another scheme is not.
    await page.getByLabel('Address').fill(`ftp://${session.server.hostPort}`);
    await page.getByLabel('Project').selectOption('team');
    await page.getByRole('button', { name: 'Create connection and robot' }).click();
    const inline = page.locator('.field-error');
    await inline.waitFor();
    assert.match((await inline.textContent()) ?? '', /^address must start with https:\/\/ or http:\/\//);
    await shot(page, '26-kube-new-connection');
    assert.equal((await api<unknown[]>('/kube/connections')).length, 0, 'nothing was created');
    await page.getByLabel('Address').fill(session.server.url);
    await page.getByRole('button', { name: 'Create connection and robot' }).click();
    const row = page.locator('table.connections tbody tr', { hasText: 'internal' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /robot\$team\+internal\s*Berth robot/);
    assert.equal(
      await row.getByRole('link', { name: 'robot$team+internal' }).getAttribute('href'),
      '/projects/team/robots',
    );
    assert.match((await row.textContent()) ?? '', /never tested/);

    const [created] = await api<{ id: number; username: string; berth_robot: string }[]>('/kube/connections');
    connectionId = created!.id;
    assert.equal(created!.berth_robot, 'robot$team+internal');
    const robots =
      await api<{ name: string; permissions: { access: { action: string }[] }[] }[]>('/projects/team/robots');
    assert.deepEqual(
      robots.map((r) => [r.name, r.permissions[0]!.access.map((a) => a.action)]),
      [['robot$team+internal', ['pull']]],
    );

    await row.getByRole('button', { name: 'Test' }).click();
    const result = page.locator('.test-result');
    await result.waitFor();
    for (const step of ['reachable', 'registry-api', 'credentials']) {
      assert.equal(await result.locator(`li[data-step="${step}"]`).getAttribute('class'), 'ok', step);
    }
    assert.match((await result.textContent()) ?? '', /user "robot\$team\+internal" is accepted/);
    await row.getByText('OK').waitFor();
    await shot(page, '20-kube-connections');

    // Edit: a robot's connection keeps its credentials; the description changes.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByText('Credentials: the robot robot$team+internal').waitFor();
    await page.getByLabel('Description').fill('pulls for the prod cluster');
    await page.getByRole('button', { name: 'Save' }).click();
    await row.getByText('pulls for the prod cluster').waitFor();
    const edited = await api<{ description: string; username: string }>(`/kube/connections/${connectionId}`);
    assert.deepEqual([edited.description, edited.username], ['pulls for the prod cluster', 'robot$team+internal']);

    // Delete asks first.
    await api('/kube/connections', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        name: 'scratch',
        type: 'oci',
        address: 'https://reg.example.com',
        username: 'u',
        password: 'p',
      }),
    });
    await page.reload();
    const scratch = page.locator('table.connections tbody tr', { hasText: 'scratch' });
    await scratch.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Berth forgets this connection').waitFor();
    await dialog.getByRole('button', { name: 'Delete connection' }).click();
    await scratch.waitFor({ state: 'detached' });
    assert.deepEqual(
      (await api<{ name: string }[]>('/kube/connections')).map((c) => c.name),
      ['internal'],
    );
    await page.close();
  });

  test('the pull secret shown and copied is the one the API renders', T, async () => {
    const page = await session.open(`/kube/connections/${connectionId}`);
    await page.getByRole('heading', { name: 'Pull secret' }).waitFor();
    await page.getByLabel('Namespace').fill('apps');
    const expected = await apiText(`/kube/connections/${connectionId}/pullsecret?namespace=apps&name=internal-pull`);
    assert.match(expected, /namespace: apps/);
    const block = page.locator('.code-block', { hasText: 'internal-pull.yaml' });
    await block.locator('pre', { hasText: 'namespace: apps' }).waitFor();
    assert.equal(await block.locator('pre').textContent(), expected);
    await block.getByRole('button', { name: 'Copy YAML' }).click();
    await block.locator('button.copy', { hasText: 'Copied ✓' }).waitFor();
    assert.equal(await clipboard(page), expected);

    // The JSON answer comes late: meanwhile the YAML stays under its own name and copy label, never as "JSON".
    let releaseJson!: () => void;
    const jsonHeld = new Promise<void>((resolve) => {
      releaseJson = resolve;
    });
    await page.route(/pullsecret\?.*format=json/, async (route) => {
      await jsonHeld;
      await route.continue();
    });
    await page.getByRole('button', { name: 'JSON' }).click();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.code-block', { hasText: 'internal-pull.json' }).count(), 0);
    assert.equal(await block.getByRole('button', { name: 'Copy YAML' }).count(), 1);
    releaseJson();
    const asJson = page.locator('.code-block', { hasText: 'internal-pull.json' });
    await asJson.waitFor();
    assert.equal(
      await asJson.locator('pre').textContent(),
      await apiText(`/kube/connections/${connectionId}/pullsecret?namespace=apps&name=internal-pull&format=json`),
    );
    await page.getByRole('radio', { name: /Always/ }).check();
    await page.locator('.code-block pre', { hasText: 'imagePullPolicy: Always' }).waitFor();
    await page.close();
  });

  test('register a cluster by kubeconfig; place the secret; Sync now creates it in the cluster', T, async () => {
    const page = await session.open('/kube/clusters');
    await page.getByText('No clusters yet').waitFor();
    await page.getByRole('button', { name: 'Register cluster' }).click();
    await page.getByLabel('Cluster name').fill('prod');
    await page.getByLabel('kubeconfig').fill(cluster.kubeconfig());
    await page.getByRole('button', { name: 'Register cluster' }).last().click();
    const registered = page.locator('.secret-box', { hasText: 'Cluster prod registered' });
    await registered.waitFor();
    assert.match((await registered.textContent()) ?? '', /lists 2 namespaces/);
    assert.deepEqual(await registered.locator('.chip').allTextContents(), ['apps', 'web']);
    await page.locator('td', { hasText: cluster.url }).waitFor();
    await shot(page, '27-kube-cluster-registered');

    await page.goto(`${session.server.url}/kube/connections/${connectionId}`);
    await page.getByText('Not placed anywhere yet').waitFor();
    await page.getByRole('button', { name: 'Add placement' }).click();
    await page.getByRole('checkbox', { name: 'apps' }).check();
    await page.getByLabel('Service accounts').fill('default');
    await page.getByRole('button', { name: 'Place secret' }).click();
    const placement = page.getByRole('region', { name: 'placement in prod' });
    await placement.locator('tr[data-namespace="apps"] .badge', { hasText: 'pending' }).waitFor();
    assert.equal(cluster.get('secrets', 'apps', 'internal-pull'), undefined);

    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.locator('[data-job-status="done"]').waitFor();
    const copy = placement.locator('tr[data-namespace="apps"]');
    await copy.locator('.badge', { hasText: 'created' }).waitFor();
    assert.match((await copy.textContent()) ?? '', /service account default: added/);

    const stored = cluster.get('secrets', 'apps', 'internal-pull');
    assert.ok(stored, 'the fake API server holds the secret');
    assert.equal(stored.type, 'kubernetes.io/dockerconfigjson');
    const auths = JSON.parse(Buffer.from(stored.data['.dockerconfigjson'], 'base64').toString()).auths;
    assert.equal(auths[session.server.url].username, 'robot$team+internal');
    const sa = cluster.get('serviceaccounts', 'apps', 'default');
    assert.deepEqual(sa?.imagePullSecrets, [{ name: 'internal-pull' }]);
    await shot(page, '21-kube-connection');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await placement.locator('tr[data-namespace="apps"] .badge', { hasText: 'created' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits a phone (overflows by ${overflow}px)`);
    await shot(page, '24-kube-connection-narrow');
    await page.close();
  });

  test('a connection group renders containerd hosts.toml and registries.conf', T, async () => {
    const page = await session.open('/kube/mirrors');
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('dockerhub');
    await page.getByLabel('Proxy project').fill('hub');
    await page.getByRole('button', { name: 'Add mirror' }).click();
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('td', { hasText: 'internal (hub) → docker.io' }).waitFor();
    const files = await api<{ files: { path: string; content: string }[] }>('/kube/mirrors?format=containerd');
    assert.equal(files.files.length, 1);
    const hosts = page.locator('.code-block', { hasText: files.files[0]!.path });
    await hosts.waitFor();
    assert.equal(await hosts.locator('pre').textContent(), files.files[0]!.content);
    assert.match(files.files[0]!.content, new RegExp(session.server.hostPort.replace(/\./g, '\\.')));
    const conf = page.locator('.code-block', { hasText: 'registries.conf' });
    assert.equal(await conf.locator('pre').textContent(), await apiText('/kube/mirrors?format=registries.conf'));
    await conf.getByRole('button', { name: 'Copy' }).click();
    assert.equal(await clipboard(page), await apiText('/kube/mirrors?format=registries.conf'));
    await shot(page, '23-kube-mirrors');
    await page.close();
  });

  test('pull diagnosis: a pod without a secret, a tag that does not exist, a name with capitals', T, async () => {
    const page = await session.open('/kube/diagnose');
    await page.getByLabel('Namespace').fill('web');
    await page.getByLabel('Pod').fill('web-1');
    await page.getByRole('button', { name: 'Diagnose' }).click();
    const result = page.locator('.diagnosis');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-code'), 'NO_PULL_SECRET');
    assert.match((await result.textContent()) ?? '', /namespace "web" has no pull secret/);
    assert.match((await result.textContent()) ?? '', /Fix: Place the registry connection’s pull secret/);
    await shot(page, '22-kube-diagnose-pod');

    await page.getByRole('button', { name: 'An image' }).click();
    await page.getByLabel('Namespace').fill('apps');
    await page.getByLabel('Image').fill(`${session.server.hostPort}/team/app:2.0`);
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await page.locator('.diagnosis[data-code="MANIFEST_NOT_FOUND"]').waitFor();
    assert.match((await page.locator('.diagnosis').textContent()) ?? '', /secrets tried: internal-pull/);
    await shot(page, '22-kube-diagnose-image');

    // Repository names are lower case: the diagnosis names the one to use, with a copy button.
    await page.getByLabel('Image').fill(`${session.server.hostPort}/Team/App:1.0`);
    await page.getByRole('button', { name: 'Diagnose' }).click();
    const wrongCase = page.locator('.diagnosis[data-code="WRONG_CASE"]');
    await wrongCase.waitFor();
    assert.match((await wrongCase.locator('.suggestion').textContent()) ?? '', /Suggested: .*team\/app/);
    await wrongCase.locator('.suggestion').getByRole('button', { name: 'Copy' }).click();
    assert.match(await clipboard(page), /team\/app/);
    await shot(page, '22-kube-diagnose-wrong-case');
    await page.close();
  });

  test('non-administrators see no Kubernetes menu and are told they lack the permission', T, async () => {
    await api('/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        username: 'dana',
        email: 'dana@example.com',
        realname: 'Dana',
        password: 'Dana-pass-123',
      }),
    });
    const page = await session.open('/', { user: 'dana', password: 'Dana-pass-123' });
    await page.getByRole('link', { name: 'Projects', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Kubernetes' }).count(), 0);
    await page.goto(`${session.server.url}/kube`);
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match(
      (await error.textContent()) ?? '',
      /Permission denied: you need the “system administrator” permission/,
    );
    await shot(page, '25-kube-forbidden');
    await page.close();
  });
});
