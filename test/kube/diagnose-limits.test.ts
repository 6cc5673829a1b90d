/**
 * Pull diagnosis against registries that rate-limit, serve an index without
 * the node's platform, or are diagnosed from a connection alone (no cluster).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import { OutboundPolicy } from '../../src/core/outbound.ts';
import type { KubeCluster } from '../../src/features/kube/cluster.ts';
import { diagnoseImage, diagnoseWithCredentials } from '../../src/features/kube/diagnose.ts';

/** The test registries listen on loopback, which the outbound rule refuses unless allowed. */
const LOOPBACK = { outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']) };

import { FakeApiServer } from './fake-apiserver.ts';
import { TestRegistry } from './test-registry.ts';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const armOnly = JSON.stringify({
  schemaVersion: 2,
  mediaType: INDEX,
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'a'.repeat(64)}`,
      size: 400,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
  ],
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void) {
  const server: Server = createServer((req, res) => handler(req, res, `http://127.0.0.1:${port()}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = () => (server.address() as { port: number }).port;
  return { host: `127.0.0.1:${port()}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('pull diagnosis: rate limits, platforms, a connection alone', () => {
  const api = new FakeApiServer();
  const registry = new TestRegistry({
    auth: 'bearer',
    users: { ci: { password: 'good-password', pull: '*' } },
    repositories: { 'team/app': ['1.0'] },
  });
  let cluster: KubeCluster;
  const servers: { host: string; close(): Promise<void> }[] = [];
  let limitedV2 = '';
  let limitedToken = '';
  let indexed = '';

  before(async () => {
    await Promise.all([api.start(), registry.start()]);
    api.addNamespace('apps');
    cluster = clusterFromKubeconfig(api.kubeconfig());
    const a = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '120', 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
    });
    const b = await serve((req, res, base) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(429, { 'retry-after': '30' }).end();
        return;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="reg"` }).end();
    });
    const c = await serve((req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      if (req.url === '/v2/team/multi/manifests/1.0') {
        res.writeHead(200, { 'content-type': INDEX, 'content-length': Buffer.byteLength(armOnly) });
        res.end(req.method === 'HEAD' ? undefined : armOnly);
        return;
      }
      res.writeHead(404).end();
    });
    servers.push(a, b, c);
    [limitedV2, limitedToken, indexed] = [a.host, b.host, c.host];
  });
  after(async () => {
    await Promise.all([api.stop(), registry.stop(), ...servers.map((s) => s.close())]);
  });

  it('a 429 on /v2/ is "rate limited" with its Retry-After, not a broken registry', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${limitedV2}/team/app:1.0` }, LOOPBACK);
    assert.equal(d.code, 'RATE_LIMITED', d.message);
    assert.equal(d.retryAfter, '120');
    assert.match(d.message, /rate limit/);
    assert.match(d.message, /retry after 120 seconds/);
    assert.doesNotMatch(d.message, /does not look like a registry|credentials/);
  });

  it('a 429 from the token endpoint is "rate limited", not wrong credentials', async () => {
    const d = await diagnoseWithCredentials(
      {
        image: `${limitedToken}/team/app:1.0`,
        server: `http://${limitedToken}`,
        username: 'ci',
        password: 'whatever',
      },
      LOOPBACK,
    );
    assert.equal(d.code, 'RATE_LIMITED', d.message);
    assert.equal(d.retryAfter, '30');
  });

  it('an index without the node platform is "no image for linux/amd64"; the platform asked is honoured', async () => {
    const image = `${indexed}/team/multi:1.0`;
    const amd = await diagnoseImage(cluster, { namespace: 'apps', image }, LOOPBACK);
    assert.equal(amd.code, 'PLATFORM_NOT_FOUND', amd.message);
    assert.equal(amd.ok, false);
    assert.match(amd.message, /^no image for linux\/amd64/);
    assert.deepEqual(amd.platforms, ['linux/arm64/v8']);
    const arm = await diagnoseImage(cluster, { namespace: 'apps', image }, { ...LOOPBACK, platform: 'linux/arm64' });
    assert.equal(arm.code, 'PULLABLE', arm.message);
  });

  it('diagnoses from a registry connection alone, before any cluster exists', async () => {
    const image = `${registry.host}/team/app:1.0`;
    const good = await diagnoseWithCredentials(
      {
        image,
        server: registry.url,
        username: 'ci',
        password: 'good-password',
      },
      LOOPBACK,
    );
    assert.equal(good.code, 'PULLABLE', good.message);
    const bad = await diagnoseWithCredentials(
      { image, server: registry.url, username: 'ci', password: 'nope' },
      LOOPBACK,
    );
    assert.equal(bad.code, 'WRONG_CREDENTIALS', bad.message);
    const missing = await diagnoseWithCredentials(
      {
        image: `${registry.host}/team/app:2.0`,
        server: registry.url,
        username: 'ci',
        password: 'good-password',
      },
      LOOPBACK,
    );
    assert.equal(missing.code, 'MANIFEST_NOT_FOUND');
  });
});
