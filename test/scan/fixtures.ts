/**
 * Images built offline whose layers hold known package databases, and OSV
 * records in the published format (ids, ranges and severities as osv.dev
 * publishes them for these packages) that apply to some of those versions.
 */
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { type Compression, compress, layerMediaType, makeTar, type TarEntry } from '../support/images.ts';

const text = (s: string) => Buffer.from(s);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A Go ≥ 1.18 binary's inline build info (what `go version -m` reads), in an otherwise empty ELF-ish file. */
export function goBinary(goVersion: string, deps: [string, string][]): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return Buffer.from(out);
  };
  const mod = `path\texample.com/app\nmod\texample.com/app\t(devel)\t\n${deps.map(([p, v]) => `dep\t${p}\t${v}\th1:x=\n`).join('')}`;
  const header = Buffer.alloc(32);
  header.write('\xff Go buildinf:', 0, 'latin1');
  header[14] = 8; // pointer size
  header[15] = 0x2; // inline strings
  const v = text(goVersion);
  const m = text(mod);
  return Buffer.concat([
    text('\x7fELF'),
    Buffer.alloc(70_000),
    header,
    varint(v.length),
    v,
    varint(m.length),
    m,
    Buffer.alloc(64),
  ]);
}

export function jar(group: string, artifact: string, version: string): Buffer {
  return Buffer.from(
    zipSync({
      'META-INF/MANIFEST.MF': text('Manifest-Version: 1.0\n'),
      [`META-INF/maven/${group}/${artifact}/pom.properties`]: text(
        `groupId=${group}\nartifactId=${artifact}\nversion=${version}\n`,
      ),
    }),
  );
}

const DPKG_STATUS = `Package: libc6
Status: install ok installed
Version: 2.36-9+deb12u3
Source: glibc

Package: libssl3
Status: install ok installed
Version: 3.0.11-1~deb12u1
Source: openssl

Package: removed-pkg
Status: deinstall ok config-files
Version: 1.0-1
`;

export interface Layer {
  entries: TarEntry[];
  compression: Compression;
}

/** A Debian 12 image: dpkg, Python, npm (one package hidden by a whiteout), a jar and a Go program, in three layers. */
export function debianImage(): Layer[] {
  return [
    {
      compression: 'gzip',
      entries: [
        {
          name: 'etc/os-release',
          type: 'file',
          data: text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'),
        },
        { name: 'var/lib/dpkg/status', type: 'file', data: text(DPKG_STATUS) },
        { name: 'bin/sh', type: 'file', mode: 0o755, data: text('#!') },
        {
          name: 'app/old/node_modules/minimist/package.json',
          type: 'file',
          data: text('{"name":"minimist","version":"1.2.0"}'),
        },
      ],
    },
    {
      compression: 'zstd',
      entries: [
        {
          name: 'usr/lib/python3/dist-packages/requests-2.25.0.dist-info/METADATA',
          type: 'file',
          data: text('Metadata-Version: 2.1\nName: requests\nVersion: 2.25.0\n'),
        },
        {
          name: 'app/node_modules/lodash/package.json',
          type: 'file',
          data: text('{"name":"lodash","version":"4.17.15"}'),
        },
        { name: 'app/.wh.old', type: 'file', data: Buffer.alloc(0) },
      ],
    },
    {
      compression: 'none',
      entries: [
        {
          name: 'app/lib/log4j-core-2.14.1.jar',
          type: 'file',
          data: jar('org.apache.logging.log4j', 'log4j-core', '2.14.1'),
        },
        {
          name: 'usr/local/bin/server',
          type: 'file',
          mode: 0o755,
          data: goBinary('go1.21.0', [['golang.org/x/net', 'v0.10.0']]),
        },
      ],
    },
  ];
}

export function alpineImage(): Layer[] {
  return [
    {
      compression: 'gzip',
      entries: [
        {
          name: 'etc/os-release',
          type: 'file',
          data: text('ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'),
        },
        {
          name: 'lib/apk/db/installed',
          type: 'file',
          data: text('P:busybox\nV:1.36.1-r15\no:busybox\n\nP:musl\nV:1.2.4_git20230717-r4\no:musl\n'),
        },
      ],
    },
  ];
}

/** The layers as blobs with their media types, and the config. */
export function blobsOf(layers: Layer[], user = '') {
  const blobs = layers.map((l) => {
    const tar = makeTar(l.entries);
    const data = compress(tar, l.compression);
    return { data, mediaType: layerMediaType(l.compression), diffId: sha(tar) };
  });
  const config = text(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: user },
      rootfs: { type: 'layers', diff_ids: blobs.map((b) => b.diffId) },
    }),
  );
  const manifest = text(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: blobs.map((b) => ({ mediaType: b.mediaType, digest: sha(b.data), size: b.data.length })),
    }),
  );
  return { blobs, config, manifest, digest: sha(manifest) };
}

const MOD = '2024-01-01T00:00:00Z';

/** OSV records for the packages above: which apply, which do not, one withdrawn, one malformed. */
export const OSV_RECORDS: unknown[] = [
  {
    id: 'GHSA-jfh8-c2jp-5v3q',
    modified: MOD,
    aliases: ['CVE-2021-44228'],
    summary: 'Remote code injection in Log4j',
    affected: [
      {
        package: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] }],
      },
    ],
    database_specific: { severity: 'CRITICAL' },
    references: [{ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' }],
  },
  {
    id: 'GHSA-35jh-r3h4-6jhm',
    modified: MOD,
    aliases: ['CVE-2021-23337'],
    summary: 'Command Injection in lodash',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
      },
    ],
    database_specific: { severity: 'HIGH' },
  },
  {
    id: 'GHSA-old-lodash-fixed',
    modified: MOD,
    summary: 'fixed before the installed version',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.12' }] }],
      },
    ],
    database_specific: { severity: 'CRITICAL' },
  },
  {
    id: 'GHSA-j8r2-6x86-q33q',
    modified: MOD,
    aliases: ['CVE-2023-32681'],
    summary: 'Unintended leak of Proxy-Authorization header in requests',
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'requests' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] }],
      },
    ],
    database_specific: { severity: 'MODERATE' },
  },
  {
    id: 'GO-2023-1988',
    modified: MOD,
    aliases: ['CVE-2023-3978'],
    summary: 'Improper rendering of text nodes in golang.org/x/net/html',
    affected: [
      {
        package: { ecosystem: 'Go', name: 'golang.org/x/net' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.13.0' }] }],
      },
    ],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' }],
  },
  {
    id: 'DEBIAN-CVE-2023-5678',
    modified: MOD,
    aliases: ['CVE-2023-5678'],
    summary: 'openssl: excessive time spent in DH check / generation with large Q parameter value',
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }] }],
      },
    ],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }],
  },
  {
    id: 'DEBIAN-CVE-2099-0001',
    modified: MOD,
    summary: 'applies to Debian 11 only',
    affected: [
      {
        package: { ecosystem: 'Debian:11', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      },
    ],
  },
  {
    id: 'GHSA-withdrawn-0001',
    modified: MOD,
    withdrawn: '2024-02-01T00:00:00Z',
    affected: [
      { package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
    ],
  },
  {
    id: 'ALPINE-CVE-2023-42363',
    modified: MOD,
    aliases: ['CVE-2023-42363'],
    summary: 'busybox: use-after-free in awk',
    affected: [
      {
        package: { ecosystem: 'Alpine:v3.19', name: 'busybox' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.36.1-r16' }] }],
      },
    ],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' }],
  },
  {
    // Would apply to the minimist the image's second layer deletes (a whiteout): never reported.
    id: 'GHSA-vh95-rmgr-6w4m',
    modified: MOD,
    aliases: ['CVE-2020-7598'],
    summary: 'Prototype Pollution in minimist',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'minimist' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }],
      },
    ],
    database_specific: { severity: 'MODERATE' },
  },
  { id: 'MALFORMED-1', affected: [] },
];
