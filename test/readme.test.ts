/**
 * The README, followed as a newcomer follows it: every ```sh block, in README
 * order, in one bash session on one fresh instance, offline. Only two kinds of
 * line are not run, because the test machine already has their result and they
 * need the network: `npm ci` (this checkout is installed and built) and
 * `apt-get install`. Port 5000 becomes a free port. `npx berth` resolves to
 * this checkout through a node_modules/.bin link in the scratch folder, as it
 * does in the repository itself.
 *
 * Feature walkthroughs belong in docs/: a new ```sh block here runs in CI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from './support/berth.ts';

const ROOT = join(import.meta.dirname, '..');
const SKIPPED = [/^\s*npm ci\b/, /^\s*(sudo )?apt-get install\b/];
const TOOLS = ['skopeo', 'podman', 'umoci', 'curl', 'bash'];

export interface ShellBlock {
  line: number;
  text: string;
}

/** The README's ```sh blocks with the line each starts on. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const out: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    out.push({ line: start + 1, text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

/** One bash script: the blocks in order, each announced, with the skipped lines and the port replaced. */
export function walkthroughScript(blocks: ShellBlock[], port: number): string {
  const body = blocks.map((b) => {
    const lines = b.text
      .split('\n')
      .map((l) => (SKIPPED.some((re) => re.test(l)) ? `: skipped by the README test: ${l.trim()}` : l))
      .map((l) => l.replaceAll('localhost:5000', `localhost:${port}`).replaceAll('--port 5000', `--port ${port}`));
    return [`echo '>>> README block at line ${b.line}' >&2`, ...lines].join('\n');
  });
  return [
    'set -euo pipefail',
    // The server the walkthrough starts in the background stops with the script.
    "trap 'kill $(jobs -p) 2>/dev/null' EXIT",
    ...body,
    "echo '>>> README walkthrough done' >&2",
    '',
  ].join('\n');
}

/** Stops every process the walkthrough left (the server), then waits until they are gone. */
async function stopGroup(pgid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}

function missingTools(): string[] {
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (!existsSync('/bin/busybox')) missing.push('busybox-static (/bin/busybox)');
  return missing;
}

test('the README walkthrough, block after block, works on a fresh instance offline', async (t) => {
  const missing = missingTools();
  if (missing.length > 0) {
    t.skip(`missing: ${missing.join(', ')} (apt-get install -y skopeo podman umoci busybox-static curl)`);
    return;
  }
  assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'build first (npm run build; scripts/test.sh does)');
  const blocks = shellBlocks(await readFile(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(blocks.length >= 4, `README sh blocks: ${blocks.length}`);
  const work = await mkdtemp(join(tmpdir(), 'berth-readme-'));
  try {
    // A scratch folder where `npx berth` is this checkout, and podman's and
    // skopeo's state (storage, auth file, run folders) is the test's own.
    await mkdir(join(work, 'node_modules', '.bin'), { recursive: true });
    await symlink(join(ROOT, 'bin', 'berth.js'), join(work, 'node_modules', '.bin', 'berth'));
    await writeFile(join(work, 'package.json'), '{"private":true}\n');
    const state = join(work, '.state');
    for (const d of ['home', 'tmp', 'xdg', 'libpod-tmp']) await mkdir(join(state, d), { recursive: true });
    await writeFile(
      join(state, 'storage.conf'),
      `[storage]\ndriver = "vfs"\nrunroot = "${state}/runroot"\ngraphroot = "${state}/root"\n`,
    );
    await writeFile(
      join(state, 'containers.conf'),
      `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\ntmp_dir = "${state}/libpod-tmp"\n`,
    );
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BERTH_')) env[k] = v;
    Object.assign(env, {
      HOME: join(state, 'home'),
      TMPDIR: join(state, 'tmp'),
      XDG_RUNTIME_DIR: join(state, 'xdg'),
      REGISTRY_AUTH_FILE: join(state, 'auth.json'),
      CONTAINERS_STORAGE_CONF: join(state, 'storage.conf'),
      CONTAINERS_CONF: join(state, 'containers.conf'),
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    });
    const script = walkthroughScript(blocks, await freePort());
    await writeFile(join(state, 'walkthrough.sh'), script);
    // Its own process group: npx's child (the server) outlives npx, so the whole group is stopped at the end.
    const child = spawn('bash', [join(state, 'walkthrough.sh')], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    await stopGroup(child.pid as number);
    const log = existsSync(join(work, 'berth.log')) ? await readFile(join(work, 'berth.log'), 'utf8') : '';
    assert.equal(code, 0, `the walkthrough failed:\n${output}\n--- berth.log (tail) ---\n${log.slice(-3000)}`);
    assert.match(output, />>> README walkthrough done/);
    // What the walkthrough claims happened, checked from the outside.
    assert.match(log, /"address":"http:\/\/0\.0\.0\.0:\d+".*"berth is listening"|berth is listening.*0\.0\.0\.0/);
    assert.match(output, /"Name": ".*team\/app"/);
    assert.equal(JSON.parse(await readFile(join(work, 'ci-robot.json'), 'utf8')).name, 'robot$team+ci');
    assert.ok(existsSync(join(work, 'pulled', 'index.json')), 'skopeo pulled the image back into ./pulled');
  } finally {
    // podman's vfs layers are plain folders: removing the scratch folder removes them.
    await rm(work, { recursive: true, force: true });
  }
});
