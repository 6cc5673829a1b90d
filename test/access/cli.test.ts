/** The CLI: user, project and robot commands, then `berth serve` (a child process) honouring them. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
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
  const robots = await berth('robot', 'list', 'ops');
  assert.match(robots.split('\n')[0], /^ID\s+NAME\s+ACTIONS\s+STATE\s+EXPIRES$/);
  assert.match(robots, /robot\$ops\+deploy\s+pull,push\s+enabled\s+never/);
  assert.match((await berth('user', 'list')).split('\n')[0], /^ID\s+USERNAME\s+SOURCE\s+ADMIN$/);
  assert.deepEqual(
    JSON.parse(await berth('user', 'list', '--output', 'json')).map((u: { username: string }) => u.username),
    ['dana'],
  );
  assert.deepEqual(JSON.parse(await berth('project', 'list', '--output', 'json')), [
    { id: 1, name: 'ops', visibility: 'private' },
  ]);
  assert.equal(JSON.parse(await berth('robot', 'list', '--output', 'json'))[0].name, 'robot$ops+deploy');
  await assert.rejects(berth('user', 'list', '--output', 'yaml'), /table or json/);

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

test('CLI audit entries name the operating-system account that ran them', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', MAIN, 'user', 'create', 'eve', '--password', 'Evepass12', '--data', data],
    {
      env: { ...process.env, USER: '', LOGNAME: '', SUDO_USER: '' },
    },
  );
  assert.match(stdout, /created user eve/);
  const s = await serve({ BERTH_ADMIN_PASSWORD: 'Admin12345' });
  try {
    const logs = await call(s.r.url, 'GET', '/api/v2.0/audit-logs?page_size=100', {
      auth: basic('admin', 'Admin12345'),
    });
    const entry = logs.json.find((e: { resource: string }) => e.resource === 'eve');
    assert.equal(entry.username, `cli:${userInfo().username}`);
    assert.notEqual(entry.username, 'cli:unknown');
  } finally {
    await s.stop();
  }
});

test('first start: the generated admin password is a banner after listening, never in the log; reset-password gives a new one', async () => {
  const fresh = await mkdtemp(join(tmpdir(), 'berth-first-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data', fresh], {
      env: { ...process.env, BERTH_ADMIN_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const deadline = Date.now() + 30_000;
    while (!/password: \S+/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    const password = /password: (\S+)/.exec(err)?.[1] as string;
    assert.ok(password, `a banner on stderr, got: ${err}`);
    assert.match(err, /username: admin/);
    assert.match(err, /npx berth user reset-password admin/);
    assert.ok(!out.includes(password), 'the password is not in the JSON log');
    // Listening on every interface: the log names 0.0.0.0, as bound.
    assert.match(out, /"address":"http:\/\/0\.0\.0\.0:\d+"/);

    const reset = await run(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'user',
      'reset-password',
      'admin',
      '--data',
      fresh,
    ]);
    const renewed = /new password of admin: (\S+)/.exec(reset.stdout)?.[1] as string;
    assert.ok(renewed && renewed !== password);
    const saved = data;
    data = fresh;
    const s = await serve({});
    data = saved;
    try {
      assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('admin', renewed) })).status, 200);
      assert.equal((await call(s.r.url, 'GET', '/v2/', { auth: basic('admin', password) })).status, 401);
      assert.ok(!s.lines.some((l) => /created the admin account/.test(l)), 'no second admin');
    } finally {
      await s.stop();
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});
