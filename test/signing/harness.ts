/**
 * One Berth (auth off) for the signing tests, with three projects: `signed`
 * (cosign gate on), `notary` (notation gate on) and `open` (no gate), and the
 * helpers the tests share: API calls, skopeo pushes and pulls, `berth`.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BERTH_BIN, RegistryServer } from '../support/berth.ts';
import { type BuiltImage, buildRandomImage, OciLayout, ok, removeDir, run, tempDir } from '../support/images.ts';
import { Pusher } from './fixtures.ts';

export class SigningHarness {
  readonly images: Record<string, BuiltImage> = {};
  readonly pusher: Pusher;

  private constructor(
    readonly server: RegistryServer,
    readonly dir: string,
  ) {
    this.pusher = new Pusher(server.url);
  }

  static async start(): Promise<SigningHarness> {
    const dir = await tempDir('berth-signing-');
    const h = new SigningHarness(await RegistryServer.start({ env: { BERTH_AUTH: 'off' } }), dir);
    for (const [name, cosign, notation] of [
      ['signed', 'true', 'false'],
      ['notary', 'false', 'true'],
      ['open', 'false', 'false'],
    ]) {
      const r = await h.api('POST', '/projects', {
        project_name: name,
        metadata: { public: 'true', enable_content_trust_cosign: cosign, enable_content_trust: notation },
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    return h;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await removeDir(this.dir);
  }

  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.server.url}/api/v2.0${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  async pushImage(name: string, repoTag: string): Promise<BuiltImage> {
    const layout = await OciLayout.create(join(this.dir, `layout-${name}`));
    const image = await buildRandomImage(layout, {
      layers: [{ size: 1024 + Math.floor(Math.random() * 1000) }],
      tag: 'v1',
    });
    ok(
      await run('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        '--preserve-digests',
        `oci:${layout.dir}:v1`,
        this.server.ref(repoTag),
      ]),
      'skopeo push',
    );
    this.images[name] = image;
    return image;
  }

  skopeoPull(repoTag: string) {
    return run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      this.server.ref(repoTag),
      `oci:${join(this.dir, `pull-${Math.random()}`)}:x`,
    ]);
  }

  berth(args: string[]) {
    return run(process.execPath, [BERTH_BIN, ...args], { env: { ...process.env } });
  }

  async trustKey(project: string, name: string, pubFile: string) {
    const r = await this.api('POST', `/projects/${project}/trusted-keys`, {
      name,
      public_key: await readFile(pubFile, 'utf8'),
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json;
  }

  async mk(name: string): Promise<string> {
    const d = join(this.dir, name);
    await mkdir(d, { recursive: true });
    return d;
  }
}
