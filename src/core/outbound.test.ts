import assert from 'node:assert/strict';
import { promises as dns, type LookupAddress } from 'node:dns';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { loadConfig } from '../server/config.ts';
import { OutboundPolicy, OutboundRefusedError, parseIPv4, parseIPv6, type Resolver } from './outbound.ts';

/** A resolver with fixed answers, so "a name that resolves to loopback" needs no DNS. */
const fixed =
  (table: Record<string, string[]>): Resolver =>
  async (name) => {
    const list = table[name];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const resolver = fixed({
  'rebind.test': ['127.0.0.1'],
  'sneaky.test': ['93.184.216.34', '169.254.169.254'],
  'six.test': ['::1'],
  'public.test': ['93.184.216.34'],
  'cluster.internal.test': ['127.0.0.5'],
});
const strict = OutboundPolicy.fromList([], { resolver });

const refused = [
  'https://127.0.0.1:6443',
  'https://127.1/',
  'http://localhost:8080/',
  'http://LOCALHOST./',
  'http://api.localhost/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:7f00:1]/',
  'https://2130706433/',
  'https://0x7f.1/',
  'https://0177.0.0.1/',
  'https://[::1]:6443/',
  'https://[0:0:0:0:0:0:0:1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://0.0.0.0:5000/',
  'http://[::]/',
  'http://0/',
  'http://[fe80::1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2002:7f00:1::]/',
  'https://rebind.test/',
  'https://sneaky.test/',
  'https://six.test/',
];

for (const url of refused) {
  test(`refuses ${url}`, async () => {
    await assert.rejects(strict.assertAllowed(url), (err: Error) => {
      assert.ok(err instanceof OutboundRefusedError, `${err}`);
      assert.match(err.message, /refused/);
      assert.match(err.message, /BERTH_OUTBOUND_ALLOW/);
      return true;
    });
  });
}

test('allows public addresses and private networks (clusters live there)', async () => {
  for (const url of [
    'https://93.184.216.34/',
    'https://10.0.0.1:6443/',
    'https://192.168.1.10/',
    'https://[2001:db8::1]/',
    'https://public.test/',
    'https://unresolvable.test/',
  ])
    await strict.assertAllowed(url);
});

test('the allow list exempts CIDRs (however the address is written) and host names', async () => {
  const policy = OutboundPolicy.fromList(['127.0.0.0/8', '::1', 'metadata.google.internal', '.internal.test'], {
    resolver,
  });
  for (const url of [
    'https://127.0.0.1/',
    'https://2130706433/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::1]/',
    'https://rebind.test/',
    'http://metadata.google.internal/',
    'https://cluster.internal.test/',
  ])
    await policy.assertAllowed(url);
  await assert.rejects(policy.assertAllowed('http://169.254.169.254/'), OutboundRefusedError);
  await assert.rejects(policy.assertAllowed('http://localhost/'), OutboundRefusedError);
  await assert.rejects(policy.assertAllowed('http://0.0.0.0/'), OutboundRefusedError);
});

test('a bad allow entry is a configuration error naming the key', () => {
  assert.throws(() => OutboundPolicy.fromList(['127.0.0.0/99']), /invalid prefix/);
  assert.throws(() => OutboundPolicy.fromList(['not a host']), /neither a CIDR nor a host name/);
  assert.throws(
    () => loadConfig({ env: { BERTH_OUTBOUND_ALLOW: '10.0.0.0/40' } }),
    /invalid configuration outbound\.allow/,
  );
  assert.equal(loadConfig({ env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' } }).outbound.allow, '127.0.0.0/8,::1');
  assert.equal(loadConfig({ env: {} }).outbound.allow, '');
});

test('address parsing follows inet_aton and IPv6 text forms', () => {
  assert.equal(parseIPv4('127.1'), 0x7f000001);
  assert.equal(parseIPv4('0x7f.0.0.1'), 0x7f000001);
  assert.equal(parseIPv4('017700000001'), 0x7f000001);
  assert.equal(parseIPv4('256.1.1.1'), undefined);
  assert.equal(parseIPv4('example.com'), undefined);
  assert.equal(parseIPv6('::ffff:127.0.0.1'), 0xffff7f000001n);
  assert.equal(parseIPv6('fd00:ec2::254'), 0xfd000ec2000000000000000000000254n);
});

test('lookup refuses at connect time, so a name that resolves to loopback never gets a connection', async (t) => {
  let connections = 0;
  const server = createServer((_req, res) => res.end('secret')).on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const fetchWith = (policy: OutboundPolicy) =>
    new Promise<string>((resolve, reject) =>
      get({ host: 'rebind.test', port, path: '/', lookup: policy.lookup }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c)).on('end', () => resolve(body));
      }).on('error', reject),
    );
  await assert.rejects(fetchWith(strict), OutboundRefusedError);
  assert.equal(connections, 0);
  assert.equal(await fetchWith(OutboundPolicy.fromList(['127.0.0.0/8'], { resolver })), 'secret');
});

test('with the system resolver, a name that resolves to loopback is refused', async (t) => {
  const policy = OutboundPolicy.fromList([]);
  let name: string | undefined;
  for (const candidate of [hostname(), 'ip6-localhost', 'ip6-loopback']) {
    const addresses = await dns.lookup(candidate, { all: true }).catch(() => []);
    if (addresses.some((a) => a.address.startsWith('127.') || a.address === '::1')) {
      name = candidate;
      break;
    }
  }
  if (!name) return t.skip('no name on this machine resolves to loopback');
  await assert.rejects(policy.assertAllowed(`https://${name}:6443/`), OutboundRefusedError);
});
