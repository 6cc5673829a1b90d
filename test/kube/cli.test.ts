/** `berth kube …` over a local data folder, against the fake API server. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer } from './fake-apiserver.ts';
import { haveKubectl, kubectl } from './kubectl.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('berth kube CLI', () => {
  const api = new FakeApiServer();
  let data: string;

  function berth(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args, '--data', data], {
        env: { ...process.env, BERTH_CONFIG: '', BERTH_SECRET_KEY: '', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }

  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'berth-kube-cli-'));
    await api.start();
    for (const ns of ['team-a', 'team-b']) api.addNamespace(ns);
  });
  after(async () => {
    await api.stop();
    await rm(data, { recursive: true, force: true });
  });

  it('connection add refuses an address with another scheme', async () => {
    const r = await berth([
      'kube',
      'connection',
      'add',
      'internal',
      '--address',
      'ftp://reg.example.com',
      '--username',
      'ci',
      '--password',
      'x',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /address: address must start with https:\/\/ or http:\/\/ or name only the host \(got "ftp:\/\/reg\.example\.com"\)/,
    );
    // Opening the data folder the first time made the credentials key, and said where.
    assert.match(r.stderr, /generated the encryption key for stored credentials .*keys\/secret\.key/);
  });

  it('connection add stores the connection, sealed with the key kept in the data folder', async () => {
    const r = await berth(
      [
        'kube',
        'connection',
        'add',
        'internal',
        '--type',
        'berth',
        '--address',
        'https://reg.example.com',
        '--username',
        'robot$ci',
        '--password-stdin',
      ],
      's3cret-Password\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^added registry connection internal \(id 1\) for https:\/\/reg\.example\.com\n$/);
    assert.doesNotMatch(r.stderr, /generated/, 'the key made by the first run is reused');
    const key = await stat(join(data, 'keys', 'secret.key'));
    assert.equal(key.mode & 0o777, 0o600);
    const list = await berth(['kube', 'connection', 'list']);
    assert.match(list.stdout, /1\s+internal\s+berth\s+https:\/\/reg\.example\.com\s+robot\$ci/);
    assert.doesNotMatch(list.stdout + list.stderr, /s3cret/);
    assert.doesNotMatch(list.stderr, /generated/);
  });

  it('connection secret prints what kubectl prints', { skip: !haveKubectl }, async () => {
    const input = {
      name: 'internal-pull',
      namespace: 'team-a',
      server: 'https://reg.example.com',
      username: 'robot$ci',
      password: 's3cret-Password',
    };
    const yaml = await berth(['kube', 'connection', 'secret', 'internal', '-n', 'team-a']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.equal(yaml.stdout, kubectl(input, 'yaml'));
    const json = await berth([
      'kube',
      'connection',
      'secret',
      'internal',
      '-n',
      'team-a',
      '--secret-name',
      'regcred',
      '-o',
      'json',
    ]);
    assert.equal(json.stdout, kubectl({ ...input, name: 'regcred' }, 'json'));
    const missing = await berth(['kube', 'connection', 'secret', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /registry connection "nope" not found/);
  });

  it('cluster add, sync into two namespaces, diagnose', async () => {
    const kubeconfig = join(data, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfig());
    const added = await berth(['kube', 'cluster', 'add', 'prod', '--kubeconfig', kubeconfig]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /registered cluster prod \(id 1\) at https:\/\/127\.0\.0\.1:\d+\nnamespaces: team-a, team-b\n/,
    );
    const listed = await berth(['kube', 'cluster', 'list']);
    assert.match(listed.stdout, /1\s+prod\s+https:\/\/127\.0\.0\.1:\d+\s+\(current\)/);

    const synced = await berth([
      'kube',
      'sync',
      'internal',
      '--cluster',
      'prod',
      '-n',
      'team-a,team-b',
      '--service-account',
      'default',
    ]);
    assert.equal(synced.code, 0, synced.stderr + synced.stdout);
    assert.match(synced.stdout, /team-a\s+created\s+sa default: added/);
    assert.match(synced.stdout, /team-b\s+created/);
    assert.ok(api.get('secrets', 'team-b', 'internal-pull'));

    const again = await berth(['kube', 'sync']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /team-a\s+unchanged\s+sa default: present/);

    const diagnosis = await berth(['kube', 'diagnose', '--cluster', 'prod', '-n', 'team-a', '--pod', 'ghost']);
    assert.equal(diagnosis.code, 1);
    assert.match(diagnosis.stderr, /pod "ghost" not found in namespace "team-a"/);
  });
});
