import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { mirrorProjectOf } from './group-service.ts';
import { berthMirrorGroup, containerdHostsFiles, type MirrorGroup, registriesConf, tomlString } from './mirrors.ts';

interface HostsToml {
  server: string;
  skip_verify?: boolean;
  host: Record<string, { capabilities: string[]; skip_verify?: boolean; override_path?: boolean }>;
}
interface RegistriesConf {
  registry: Array<{ prefix: string; location: string; insecure?: boolean; mirror: unknown[] }>;
}
const hostsToml = (text: string) => parseToml(text) as unknown as HostsToml;

const groups: MirrorGroup[] = [
  {
    upstream: 'docker.io',
    mirrors: [
      { address: 'http://10.0.0.5:8080' },
      { address: 'https://berth.example.com', project: 'dockerhub-proxy' },
    ],
  },
  {
    upstream: 'reg.local:5000',
    upstreamInsecure: true,
    mirrors: [{ address: 'https://mirror.example.com/', capabilities: ['pull'] }],
  },
];

describe('containerd hosts.toml', () => {
  const files = containerdHostsFiles(groups);

  it('writes one file per upstream directory', () => {
    assert.deepEqual([...files.keys()], ['docker.io/hosts.toml', 'reg.local:5000/hosts.toml']);
  });

  it('lists mirrors in priority order with the upstream as server', () => {
    const doc = hostsToml(files.get('docker.io/hosts.toml')!);
    assert.equal(doc.server, 'https://registry-1.docker.io');
    assert.deepEqual(Object.keys(doc.host), ['http://10.0.0.5:8080', 'https://berth.example.com/v2/dockerhub-proxy']);
    // The order of the tables in the text is the order containerd tries them.
    const text = files.get('docker.io/hosts.toml')!;
    assert.ok(text.indexOf('[host."http://10.0.0.5:8080"]') < text.indexOf('[host."https://berth.example.com'));
  });

  it('sets capabilities, skip_verify for http and override_path for a proxy project', () => {
    const doc = hostsToml(files.get('docker.io/hosts.toml')!);
    const http = doc.host['http://10.0.0.5:8080'];
    assert.deepEqual(http.capabilities, ['pull', 'resolve']);
    assert.equal(http.skip_verify, true);
    assert.equal(http.override_path, undefined);
    const proxy = doc.host['https://berth.example.com/v2/dockerhub-proxy'];
    assert.equal(proxy.skip_verify, undefined);
    assert.equal(proxy.override_path, true);
  });

  it('keeps an insecure upstream on http and custom capabilities', () => {
    const doc = hostsToml(files.get('reg.local:5000/hosts.toml')!);
    assert.equal(doc.server, 'http://reg.local:5000');
    assert.equal(doc.skip_verify, true);
    assert.deepEqual(doc.host['https://mirror.example.com'].capabilities, ['pull']);
  });
});

describe('registries.conf', () => {
  const doc = parseToml(registriesConf(groups)) as unknown as RegistriesConf;

  it('has one [[registry]] per upstream with prefix and location', () => {
    assert.equal(doc.registry.length, 2);
    assert.equal(doc.registry[0].prefix, 'docker.io');
    assert.equal(doc.registry[0].location, 'docker.io');
    assert.equal(doc.registry[0].insecure, undefined);
    assert.equal(doc.registry[1].prefix, 'reg.local:5000');
    assert.equal(doc.registry[1].insecure, true);
  });

  it('lists mirrors in order, insecure for http, with the proxy project path', () => {
    // smol-toml builds null-prototype tables; compare as plain data.
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
    assert.deepEqual(plain(doc.registry[0].mirror), [
      { location: '10.0.0.5:8080', insecure: true },
      { location: 'berth.example.com/dockerhub-proxy' },
    ]);
    assert.deepEqual(plain(doc.registry[1].mirror), [{ location: 'mirror.example.com' }]);
  });
});

describe('mirror group validation', () => {
  it('refuses a mirror address with another scheme, naming it', () => {
    assert.throws(
      () => registriesConf([{ upstream: 'docker.io', mirrors: [{ address: 'ftp://mirror.local' }] }]),
      /mirrors\[0\]\.address must start with https:\/\/ or http:\/\//,
    );
  });

  it('refuses an upstream given as a URL and duplicate upstreams', () => {
    assert.throws(() => containerdHostsFiles([{ upstream: 'https://docker.io', mirrors: [] }]), /no scheme/);
    assert.throws(
      () =>
        containerdHostsFiles([
          { upstream: 'ghcr.io', mirrors: [] },
          { upstream: 'ghcr.io', mirrors: [] },
        ]),
      /more than one group/,
    );
  });

  it('escapes TOML strings', () => {
    assert.equal(parseToml(`k = ${tomlString('a"b\\c\td')}`).k, 'a"b\\c\td');
  });
});

test('Berth mirror mode: containerd points at the root (it sends ?ns=), CRI-O at the project; the upstream stays last', () => {
  const group = berthMirrorGroup('http://berth.local:5000', 'docker.io', 'hub');
  const hosts = containerdHostsFiles([group]).get('docker.io/hosts.toml') ?? '';
  assert.match(hosts, /^server = "https:\/\/registry-1\.docker\.io"$/m);
  assert.match(hosts, /^\[host\."http:\/\/berth\.local:5000"\]$/m);
  assert.doesNotMatch(hosts, /override_path/);
  const conf = registriesConf([group]);
  assert.match(conf, /location = "berth\.local:5000\/hub"/);
  assert.match(conf, /prefix = "docker\.io"\nlocation = "docker\.io"/);
});

test("a Berth mirror member's default project comes from BERTH_PROXY_MIRRORS, Docker Hub by any of its names", () => {
  const map = new Map([
    ['docker.io', 'hub'],
    ['ghcr.io', 'ghcr'],
  ]);
  assert.equal(mirrorProjectOf(map, 'docker.io'), 'hub');
  assert.equal(mirrorProjectOf(map, 'registry-1.docker.io'), 'hub');
  assert.equal(mirrorProjectOf(map, 'GHCR.io'), 'ghcr');
  assert.equal(mirrorProjectOf(map, 'quay.io'), undefined);
});
