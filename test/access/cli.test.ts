/** The CLI: user, project and robot commands, then `berth serve` (a child process) honouring them. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { basic, call, pushImage, type Running } from './support.ts';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
let data: string;

async function berth(...args: string[]) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args, '--data', data], {
    timeout: 60_000,
  });
  return stdout;
}

/** `berth serve` on a random port; resolves once it listens. */
async function serve(env: Record<string, string>, ...flags: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, ...flags],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      buf += c;
      for (const line of buf.split('\n').slice(0, -1)) {
        lines.push(line);
        const m = /"address":"(http:\/\/[^"]+)"/.exec(line);
        if (m) resolve(m[1]);
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${lines.join('\n')}`)));
    setTimeout(() => reject(new Error('serve did not start')), 30_000).unref();
  });
  const r = { url, host: new URL(url).host } as Running;
  return {
    r,
    lines,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    },
  };
}

before(async () => {
  data = await mkdtemp(join(tmpdir(), 'berth-cli-'));
});
after(() => rm(data, { recursive: true, force: true }));

test('users, projects and robots from the command line', async () => {
  assert.match(await berth('user', 'create', 'dana', '--password', 'Danapass1'), /created user dana/);
  await assert.rejects(berth('user', 'create', 'weak', '--password', 'weak'), /8 to 128/);
  assert.match(await berth('project', 'create', 'ops', '--owner', 'dana'), /created private project ops/);
  assert.match(await berth('project', 'member', 'ops', 'dana', 'developer'), /dana is developer/);
  const robot = await berth('robot', 'create', 'ops', 'deploy', '--push');
  const secret = /secret: (\S+)/.exec(robot)?.[1] as string;
  assert.ok(secret);
  assert.match(await berth('robot', 'list', 'ops'), /robot\$ops\+deploy\tpull,push\tenabled/);
  assert.match(await berth('user', 'list'), /dana\tlocal/);

  const s = await serve({ BERTH_ADMIN_PASSWORD: 'Admin12345' });
  try {
    assert.equal((await call(s.r.url, 'GET', '/v2/')).status, 401);
    await pushImage(s.r, 'ops/app', 'v1', basic('robot$ops+deploy', secret));
    assert.equal(
      (await call(s.r.url, 'GET', '/v2/ops/app/manifests/v1', { auth: basic('dana', 'Danapass1') })).status,
      200,
    );
    assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('admin', 'Admin12345') })).status, 200);
    // disabling through the CLI while the server runs takes effect at once
    await berth('robot', 'disable', 'robot$ops+deploy');
    assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('robot$ops+deploy', secret) })).status, 401);
    const regenerated = /secret: (\S+)/.exec(await berth('robot', 'regenerate', 'robot$ops+deploy'))?.[1] as string;
    await berth('robot', 'enable', 'robot$ops+deploy');
    assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('robot$ops+deploy', secret) })).status, 401);
    assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('robot$ops+deploy', regenerated) })).status, 200);
    await berth('project', 'visibility', 'ops', 'public');
    assert.equal((await call(s.r.url, 'GET', '/v2/ops/app/manifests/v1')).status, 200);
  } finally {
    await s.stop();
  }
});

test('serve --no-auth and BERTH_AUTH=off: anonymous push', async () => {
  for (const [env, flags] of [
    [{ BERTH_AUTH: 'off' }, []],
    [{}, ['--no-auth']],
  ] as const) {
    const s = await serve(env, ...flags);
    try {
      assert.equal((await call(s.r.url, 'GET', '/v2/')).status, 200);
      await pushImage(s.r, 'free/app', 'v1');
    } finally {
      await s.stop();
    }
  }
});
