/**
 * Issue 14 (SSRF, kubeconfig credential plugins): with the default
 * configuration, no connection test, connection create or cluster
 * registration opens a connection to loopback / link-local / metadata
 * addresses, and a kubeconfig that would run a command or read a server file
 * is refused with 400 before anything runs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';

describe('outbound address policy on the Kubernetes resources', () => {
  let berth: RunningBerth;
  let listener: Server;
  let port = 0;
  let connections = 0;
  let dir = '';

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${berth.url}/api/v2.0${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };
  const kubeconfig = (server: string, user: string) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
users:
- name: u
  user:
${user}
contexts:
- name: ctx
  context: { cluster: c, user: u }
current-context: ctx
`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-outbound-'));
    listener = createServer((_req, res) => res.end('{}')).on('connection', () => connections++);
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as AddressInfo).port;
    berth = await startInProcess({ env: { BERTH_KUBE_RECONCILE_INTERVAL: '0', BERTH_OUTBOUND_ALLOW: '' } });
  });
  after(async () => {
    await berth.stop();
    listener.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses connections to loopback and metadata addresses however written, for admins too', async () => {
    const addresses = [
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      `http://[::ffff:127.0.0.1]:${port}`,
      `http://2130706433:${port}`,
      `http://0x7f.1:${port}`,
      'http://169.254.169.254',
      'http://metadata.google.internal',
      'http://[::1]:5000',
    ];
    for (const [i, address] of addresses.entries()) {
      const res = await call('POST', '/kube/connections', {
        name: `c${i}`,
        type: 'oci',
        address,
        username: 'u',
        password: 'p',
      });
      assert.equal(res.status, 400, `${address}: ${res.text}`);
      assert.match(res.json.errors[0].message, /refused/);
    }
    assert.equal(connections, 0);
  });

  it('a connection stored before the policy cannot be tested against loopback', async () => {
    const store = KyselyKubeStore.over((berth.berth.registry.metadata as KyselyStore).db);
    const ok = await call('POST', '/kube/connections', {
      name: 'legit',
      type: 'oci',
      address: 'https://registry.example.com',
      username: 'u',
      password: 'p',
    });
    assert.equal(ok.status, 201, ok.text);
    await store.updateConnection(ok.json.id, { address: `http://127.0.0.1:${port}` });
    const res = await call('POST', `/kube/connections/${ok.json.id}/test`, {});
    assert.equal(res.status, 400, res.text);
    assert.equal(connections, 0);
    const moved = await call('PUT', `/kube/connections/${ok.json.id}`, { address: 'http://[::ffff:7f00:1]:80' });
    assert.equal(moved.status, 400, moved.text);
  });

  it('refuses a cluster whose server is loopback before connecting', async () => {
    const res = await call('POST', '/kube/clusters', {
      name: 'local',
      kubeconfig: kubeconfig(`https://127.0.0.1:${port}`, '    token: abc'),
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.errors[0].message, /refused/);
    const proxied = await call('POST', '/kube/clusters', {
      name: 'proxied',
      kubeconfig: kubeconfig(`https://10.0.0.1:6443\n    proxy-url: http://127.0.0.1:${port}`, '    token: abc'),
    });
    assert.equal(proxied.status, 400, proxied.text);
    assert.equal(connections, 0);
  });

  it('refuses exec, auth-provider and file references in a kubeconfig before anything runs', async () => {
    const marker = join(dir, 'ran');
    const users = {
      exec: `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "touch ${marker}"]`,
      'auth-provider': `    auth-provider:\n      name: gcp\n      config:\n        cmd-path: /bin/touch\n        cmd-args: ${marker}`,
      'token-file': '    tokenFile: /etc/hostname',
      'token-file ': '    token-file: /etc/hostname',
      'client-key': '    client-certificate: /etc/hostname\n    client-key: /etc/hostname',
    };
    for (const [what, user] of Object.entries(users)) {
      const res = await call('POST', '/kube/clusters', {
        name: 'evil',
        kubeconfig: kubeconfig('https://10.255.255.1:6443', user),
      });
      assert.equal(res.status, 400, `${what}: ${res.text}`);
      assert.equal(res.json.errors[0].code, 'BAD_REQUEST');
      assert.match(res.json.errors[0].message, /is not accepted/);
    }
    const ca = await call('POST', '/kube/clusters', {
      name: 'evil',
      kubeconfig: kubeconfig('https://10.255.255.1:6443\n    certificate-authority: /etc/hostname', '    token: x'),
    });
    assert.equal(ca.status, 400, ca.text);
    assert.equal(existsSync(marker), false, 'the command must not have run');
  });
});
