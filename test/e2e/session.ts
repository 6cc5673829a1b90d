/**
 * One end-to-end session: a Berth server, Debian's Chromium and skopeo, with
 * the helpers the console tests share (push, list tags, open a signed-in tab,
 * screenshots).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type BuiltImage, writeOciLayout } from '../helpers/images.ts';
import {
  ADMIN_PASSWORD,
  ensureConsoleBuilt,
  launchChromium,
  type RunningBerth,
  SCREENSHOTS,
  skopeo,
  startBerth,
} from './support.ts';

export class ConsoleSession {
  private loginShot = false;

  private constructor(
    readonly server: RunningBerth,
    readonly browser: BrowserContext,
    readonly work: string,
  ) {}

  static async start(extra: Parameters<typeof startBerth>[0] = {}): Promise<ConsoleSession> {
    await ensureConsoleBuilt();
    await mkdir(SCREENSHOTS, { recursive: true });
    const work = await mkdtemp(join(tmpdir(), 'berth-e2e-work-'));
    const server = await startBerth(extra);
    const browser = await launchChromium(join(work, 'chromium-profile'));
    return new ConsoleSession(server, browser, work);
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.stop();
    await rm(this.work, { recursive: true, force: true });
  }

  async shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** skopeo's credentials option for the administrator (none when the server runs open). */
  adminCreds(option: string): string[] {
    return this.server.identity ? [`${option}=admin:${ADMIN_PASSWORD}`] : [];
  }

  /** Creates projects through the API (when the server has them; otherwise they come from repository names). */
  async createProjects(...names: string[]): Promise<void> {
    if (!this.server.identity) return;
    for (const project of names) {
      const res = await this.server.fetch('/api/v2.0/projects', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ project_name: project, metadata: { public: 'false' } }),
      });
      assert.equal(res.status, 201, await res.text());
    }
  }

  /** Pushes with skopeo; returns the digest the registry stored (skopeo compresses layers, so it differs from ours). */
  async push(img: BuiltImage, repoTag: string, creds = this.adminCreds('--dest-creds')): Promise<string> {
    const layout = join(this.work, `layout-${img.digest.slice(7, 19)}`);
    await writeOciLayout(layout, 'src', img);
    await skopeo(join(this.work, 'skopeo'), [
      'copy',
      '--dest-tls-verify=false',
      ...creds,
      `oci:${layout}:src`,
      `docker://${this.server.hostPort}/${repoTag}`,
    ]);
    const [repository, tag] = repoTag.split(':');
    const res = await this.server.fetch(`/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    return String(res.headers.get('docker-content-digest'));
  }

  async tagsOf(repository: string): Promise<string[]> {
    const out = await skopeo(join(this.work, 'skopeo'), [
      'list-tags',
      '--tls-verify=false',
      ...this.adminCreds('--creds'),
      `docker://${this.server.hostPort}/${repository}`,
    ]);
    return (JSON.parse(out) as { Tags: string[] }).Tags.sort();
  }

  /** A new tab on `path`, signed in through the login page when the server has accounts. */
  async open(path: string, as = { user: 'admin', password: ADMIN_PASSWORD }): Promise<Page> {
    const page = await this.browser.newPage();
    if (!this.server.identity) {
      await page.goto(`${this.server.url}${path}`);
      return page;
    }
    await page.goto(`${this.server.url}/login?next=${encodeURIComponent(path)}`);
    await page.getByLabel(/username/i).fill(as.user);
    await page.getByLabel('Password').fill(as.password);
    if (!this.loginShot) {
      this.loginShot = true;
      await this.shot(page, '00-login');
    }
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Off the login page (an artifact opened by tag then moves on to its digest address).
    await page.waitForURL((u) => u.pathname !== '/login');
    return page;
  }
}
