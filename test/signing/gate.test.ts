/**
 * The signature pull gate end to end: a Berth (auth off) with projects whose
 * content-trust switches are on, images pushed by skopeo, signatures made by
 * `berth sign`, by openssl in cosign's formats (tag scheme, Sigstore bundle)
 * and in notation's JWS format, pulled by skopeo and podman through the gate.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN, RegistryServer } from '../support/berth.ts';
import { ContainerTool } from '../support/container-tools.ts';
import {
  type BuiltImage,
  buildRandomImage,
  buildTwoPlatformIndex,
  OciLayout,
  ok,
  removeDir,
  run,
  tempDir,
} from '../support/images.ts';
import {
  makeCertificates,
  makeKey,
  notationCose,
  notationJws,
  openssl,
  opensslSign,
  Pusher,
  pushCosignSignature,
  pushReferrer,
  sigstoreBundle,
  simpleSigning,
} from './fixtures.ts';

let server: RegistryServer;
let dir: string;
let pusher: Pusher;
const images: Record<string, BuiltImage> = {};

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/api/v2.0${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function pushImage(name: string, repoTag: string): Promise<BuiltImage> {
  const layout = await OciLayout.create(join(dir, `layout-${name}`));
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
      server.ref(repoTag),
    ]),
    'skopeo push',
  );
  images[name] = image;
  return image;
}

async function skopeoPull(repoTag: string) {
  return run('skopeo', [
    'copy',
    '--src-tls-verify=false',
    server.ref(repoTag),
    `oci:${join(dir, `pull-${Math.random()}`)}:x`,
  ]);
}

function berth(args: string[]) {
  return run(process.execPath, [BERTH_BIN, ...args], { env: { ...process.env } });
}

async function trustKey(project: string, name: string, pubFile: string) {
  const r = await api('POST', `/projects/${project}/trusted-keys`, {
    name,
    public_key: await readFile(pubFile, 'utf8'),
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

describe('signature pull gate', { timeout: 600_000 }, () => {
  before(async () => {
    dir = await tempDir('berth-signing-');
    server = await RegistryServer.start({ env: { BERTH_AUTH: 'off' } });
    pusher = new Pusher(server.url);
    for (const [name, cosign, notation] of [
      ['signed', 'true', 'false'],
      ['notary', 'false', 'true'],
      ['open', 'false', 'false'],
    ]) {
      const r = await api('POST', '/projects', {
        project_name: name,
        metadata: { public: 'true', enable_content_trust_cosign: cosign, enable_content_trust: notation },
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
  });
  after(async () => {
    await server?.stop();
    await removeDir(dir);
  });

  it('project metadata reads back the switches', async () => {
    const r = await api('GET', '/projects/signed');
    assert.equal(r.json.metadata.enable_content_trust_cosign, 'true');
    assert.equal(r.json.metadata.enable_content_trust, 'false');
    const bad = await api('PUT', '/projects/open', { metadata: { enable_content_trust: 'maybe' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /enable_content_trust/);
    const refused = await api('POST', '/projects', {
      project_name: 'half',
      metadata: { enable_content_trust_cosign: 'yes' },
    });
    assert.equal(refused.status, 400);
    assert.equal((await api('GET', '/projects/half')).status, 404); // nothing half-made
  });

  it('refuses an unsigned pull with 412 naming signing; ungated projects pass', async () => {
    await pushImage('plain', 'signed/app:v1');
    const r = await skopeoPull('signed/app:v1');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /signature required/);
    assert.match(r.stderr, /no cosign signature/);
    const res = await fetch(`${server.url}/v2/signed/app/manifests/v1`);
    assert.equal(res.status, 412);
    assert.equal((await res.json()).errors[0].code, 'DENIED');
    await pushImage('open', 'open/app:v1');
    ok(await skopeoPull('open/app:v1'), 'ungated pull');
    // The management API still reads it.
    const art = await api('GET', '/projects/signed/repositories/app/artifacts/v1');
    assert.equal(art.status, 200);
  });

  it('bad keys are 400 at upload, never 500', async () => {
    const [priv] = await makeKey(dir, 'badcheck', 'ec');
    await run('openssl', ['ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', join(dir, 'k1.key')]);
    await run('openssl', ['ec', '-in', join(dir, 'k1.key'), '-pubout', '-out', join(dir, 'k1.pub')]);
    await run('openssl', [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:1024',
      '-out',
      join(dir, 'short.key'),
    ]);
    await run('openssl', ['pkey', '-in', join(dir, 'short.key'), '-pubout', '-out', join(dir, 'short.pub')]);
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', public_key: 'not pem' }, /not PEM/],
      [{ name: 'x', public_key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, /not a readable/],
      [{ name: 'x', public_key: await readFile(priv, 'utf8') }, /private key/],
      [{ name: 'x', public_key: await readFile(join(dir, 'k1.pub'), 'utf8') }, /unsupported elliptic curve/],
      [{ name: 'x', public_key: await readFile(join(dir, 'short.pub'), 'utf8') }, /too short/],
      [{ name: 'x', certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, /certificate/],
      [{ name: 'x' }, /exactly one/],
      [{ public_key: 'x' }, /name/],
    ];
    for (const [body, message] of cases) {
      const r = await api('POST', '/projects/signed/trusted-keys', body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.errors[0].message, message);
    }
  });

  it('berth sign with an openssl EC key: trusted pulls pass (skopeo, podman), berth verify agrees', async () => {
    const [priv, pub] = await makeKey(dir, 'ci', 'ec');
    await trustKey('signed', 'ci', pub);
    const signed = await berth(['sign', `${server.host}/signed/app:v1`, '--key', priv, '--plain-http']);
    ok(signed, 'berth sign');
    ok(await skopeoPull('signed/app:v1'), 'signed pull');
    const verified = ok(
      await berth(['verify', `${server.host}/signed/app:v1`, '--key', pub, '--plain-http']),
      'verify',
    );
    assert.match(verified.stdout, /docker-manifest-digest/);
    const podman = await ContainerTool.create('podman', join(dir, 'podman'));
    ok(await podman.run(['pull', '--tls-verify=false', `${server.host}/signed/app:v1`]), 'podman pull signed');
    const list = await api('GET', '/projects/signed/repositories/app/artifacts/v1/signatures');
    assert.equal(list.json.status, 'signed');
    assert.equal(list.json.signatures[0].key, 'ci');
    const acc = await api('GET', '/projects/signed/repositories/app/artifacts/v1/accessories');
    const sig = acc.json.find((a: { type: string }) => a.type === 'signature.cosign');
    assert.equal(sig.signed, true, JSON.stringify(acc.json));
    assert.equal(sig.signature.key, 'ci');
    assert.equal(sig.signature.tag_scheme, true);
  });

  it('index rule: a signed index lets its children through; children of an unsigned one are refused', async () => {
    for (const [name, sign] of [
      ['multi', true],
      ['multi-unsigned', false],
    ] as const) {
      const layout = await OciLayout.create(join(dir, `layout-${name}`));
      const built = await buildTwoPlatformIndex(layout, 'v1', [{ size: 1024 }]);
      ok(
        await run('skopeo', [
          'copy',
          '--all',
          '--dest-tls-verify=false',
          '--preserve-digests',
          `oci:${layout.dir}:v1`,
          server.ref(`signed/${name}:v1`),
        ]),
        'push index',
      );
      if (sign)
        ok(
          await berth(['sign', `${server.host}/signed/${name}:v1`, '--key', join(dir, 'ci.key'), '--plain-http']),
          'sign index',
        );
      const child = built.images[1].manifest.digest;
      const res = await fetch(`${server.url}/v2/signed/${name}/manifests/${child}`, {
        headers: { accept: built.images[1].manifest.mediaType },
      });
      assert.equal(res.status, sign ? 200 : 412, `${name} child`);
      const pull = await run('skopeo', [
        'copy',
        '--override-arch',
        'arm64',
        '--override-variant',
        'v8',
        '--src-tls-verify=false',
        server.ref(`signed/${name}:v1`),
        `oci:${join(dir, `pull-${name}`)}:x`,
      ]);
      if (sign) ok(pull, 'pull child of a signed index');
      else assert.match(pull.stderr, /signature required/);
      // A HEAD only names the digest: never gated (what signing tools need).
      const head = await fetch(`${server.url}/v2/signed/${name}/manifests/v1`, { method: 'HEAD' });
      assert.equal(head.status, 200);
    }
  });

  it('each key type, signed by openssl in cosign tag-scheme format, verifies', async () => {
    for (const kind of ['rsa', 'rsa-pss', 'ed25519'] as const) {
      const image = await pushImage(kind, `signed/${kind}:v1`);
      const before = await skopeoPull(`signed/${kind}:v1`);
      assert.match(before.stderr, /signature required/);
      const [priv, pub] = await makeKey(dir, kind, kind);
      await trustKey('signed', `k-${kind}`, pub);
      const payload = simpleSigning(`${server.host}/signed/${kind}`, image.manifest.digest);
      await pushCosignSignature(pusher, `signed/${kind}`, image.manifest.digest, [
        { payload, signature: await opensslSign(dir, priv, kind, payload) },
      ]);
      ok(await skopeoPull(`signed/${kind}:v1`), `${kind} signed pull`);
    }
  });

  it('refusal reasons: unknown key (fingerprint), other digest, other repository, malformed', async () => {
    await pushImage('stranger', 'signed/stranger:v1');
    const [otherPriv] = await makeKey(dir, 'other', 'ec');
    ok(await berth(['sign', `${server.host}/signed/stranger:v1`, '--key', otherPriv, '--plain-http']), 'sign other');
    let r = await skopeoPull('signed/stranger:v1');
    assert.match(
      r.stderr,
      /signature required: not signed by a trusted key: signed by an unknown key \(fingerprint sha256:[0-9a-f]{64}\)/,
    );

    // A valid signature of image "plain" (signed/app) copied onto another image's .sig tag.
    const victim = await pushImage('victim', 'signed/victim:v1');
    const [priv] = [join(dir, 'ci.key')];
    const payload = simpleSigning(`${server.host}/signed/victim`, images.plain.manifest.digest);
    await pushCosignSignature(pusher, 'signed/victim', victim.manifest.digest, [
      { payload, signature: await opensslSign(dir, priv, 'ec', payload) },
    ]);
    r = await skopeoPull('signed/victim:v1');
    assert.match(r.stderr, /signature for another digest/);

    // The same image and its signature replayed into another repository.
    ok(
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        server.ref('signed/app:v1'),
        server.ref('signed/replay:v1'),
      ]),
      'copy',
    );
    const sigTag = `${images.plain.manifest.digest.replace(':', '-')}.sig`;
    ok(
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        server.ref(`signed/app:${sigTag}`),
        server.ref(`signed/replay:${sigTag}`),
      ]),
      'copy sig',
    );
    r = await skopeoPull('signed/replay:v1');
    assert.match(r.stderr, /signature made for repository signed\/app, not signed\/replay/);
    const podman = await ContainerTool.create('podman', join(dir, 'podman2'));
    const pr = await podman.run(['pull', '--tls-verify=false', `${server.host}/signed/replay:v1`]);
    assert.notEqual(pr.code, 0);
    assert.match(pr.stderr, /signature required/);

    // Malformed and oversized signature manifests: invalid, never a 500, never a pass.
    const junk = await pushImage('junk', 'signed/junk:v1');
    const tag = `${junk.manifest.digest.replace(':', '-')}.sig`;
    const config = await pusher.config('signed/junk');
    const huge = Buffer.alloc(300_000, 'a');
    await pusher.manifest('signed/junk', tag, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: await pusher.blob('signed/junk', huge),
          size: huge.length,
          annotations: { 'dev.cosignproject.cosign/signature': '!!!' },
        },
      ],
    });
    const res = await fetch(`${server.url}/v2/signed/junk/manifests/v1`);
    assert.equal(res.status, 412);
    assert.match((await res.json()).errors[0].message, /signature required.*payload is missing or too large/);

    // A signature manifest over the size limit is not even read.
    const bloated = await pushImage('bloated', 'signed/bloated:v1');
    const payload2 = simpleSigning(`${server.host}/signed/bloated`, bloated.manifest.digest);
    await pusher.manifest('signed/bloated', `${bloated.manifest.digest.replace(':', '-')}.sig`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: await pusher.config('signed/bloated'),
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: await pusher.blob('signed/bloated', payload2),
          size: payload2.length,
          annotations: {
            'dev.cosignproject.cosign/signature': (await opensslSign(dir, priv, 'ec', payload2)).toString('base64'),
            padding: 'x'.repeat(300_000),
          },
        },
      ],
    });
    const big = await fetch(`${server.url}/v2/signed/bloated/manifests/v1`);
    assert.equal(big.status, 412);
    assert.match((await big.json()).errors[0].message, /signature manifest is larger than/);
    // A signature manifest without layers: invalid, not a 500.
    const garbage = await pushImage('garbage', 'signed/garbage:v1');
    await pusher.manifest('signed/garbage', `${garbage.manifest.digest.replace(':', '-')}.sig`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: await pusher.config('signed/garbage'),
      layers: [],
    });
    const g = await fetch(`${server.url}/v2/signed/garbage/manifests/v1`);
    assert.equal(g.status, 412);
    assert.match((await g.json()).errors[0].message, /signature required.*1 to 32 layers/);
  });

  it('Sigstore bundle referrers (DSSE, in-toto) verify with @sigstore/verify', async () => {
    const image = await pushImage('bundled', 'signed/bundled:v1');
    const [priv, pub] = await makeKey(dir, 'bundlekey', 'ec');
    await trustKey('signed', 'bundlekey', pub);
    const bundle = await sigstoreBundle(dir, priv, 'ec', `${server.host}/signed/bundled`, image.manifest.digest);
    await pushReferrer(
      pusher,
      'signed/bundled',
      { digest: image.manifest.digest, size: image.manifest.size },
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        bytes: bundle,
      },
    );
    ok(await skopeoPull('signed/bundled:v1'), 'bundle-signed pull');
  });

  it('notation JWS: CA-issued leaf passes, expired leaf and untrusted CA are refused', async () => {
    const good = await makeCertificates(await mk('certs-good'), 10);
    const r = await api('POST', '/projects/notary/trusted-keys', { name: 'ca', certificate: good.caPem });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const image = await pushImage('notarized', 'notary/app:v1');
    let pull = await skopeoPull('notary/app:v1');
    assert.match(pull.stderr, /no notation signature/);
    const target = { digest: image.manifest.digest, size: image.manifest.size, mediaType: image.manifest.mediaType };
    const jws = await notationJws(good.leafKey, [good.leafDer, good.caDer], target);
    await pushReferrer(pusher, 'notary/app', target, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: jws,
    });
    ok(await skopeoPull('notary/app:v1'), 'notation-signed pull');

    // The same trust with a COSE_Sign1 envelope.
    const coseImage = await pushImage('cose', 'notary/cose:v1');
    const coseTarget = {
      digest: coseImage.manifest.digest,
      size: coseImage.manifest.size,
      mediaType: coseImage.manifest.mediaType,
    };
    assert.match((await skopeoPull('notary/cose:v1')).stderr, /no notation signature/);
    await pushReferrer(pusher, 'notary/cose', coseTarget, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/cose',
      bytes: await notationCose(good.leafKey, [good.leafDer, good.caDer], coseTarget),
    });
    ok(await skopeoPull('notary/cose:v1'), 'COSE-signed pull');
    const coseSigs = await api('GET', '/projects/notary/repositories/cose/artifacts/v1/signatures');
    assert.match(coseSigs.json.signatures[0].message, /COSE/);

    const expiredImage = await pushImage('expired', 'notary/expired:v1');
    const expired = await makeCertificates(await mk('certs-expired'), -1);
    await api('POST', '/projects/notary/trusted-keys', { name: 'ca2', certificate: expired.caPem });
    const t2 = {
      digest: expiredImage.manifest.digest,
      size: expiredImage.manifest.size,
      mediaType: expiredImage.manifest.mediaType,
    };
    await pushReferrer(pusher, 'notary/expired', t2, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(expired.leafKey, [expired.leafDer, expired.caDer], t2),
    });
    pull = await skopeoPull('notary/expired:v1');
    assert.match(pull.stderr, /signature required: not signed by a trusted key: certificate .*signer.* expired/);

    const rogueImage = await pushImage('rogue', 'notary/rogue:v1');
    const rogue = await makeCertificates(await mk('certs-rogue'), 10);
    const t3 = {
      digest: rogueImage.manifest.digest,
      size: rogueImage.manifest.size,
      mediaType: rogueImage.manifest.mediaType,
    };
    await pushReferrer(pusher, 'notary/rogue', t3, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(rogue.leafKey, [rogue.leafDer, rogue.caDer], t3),
    });
    pull = await skopeoPull('notary/rogue:v1');
    assert.match(pull.stderr, /unknown certificate \(key fingerprint sha256:/);
    const acc = await api('GET', '/projects/notary/repositories/rogue/artifacts/v1/accessories');
    assert.equal(acc.json[0].type, 'signature.notation');
    assert.equal(acc.json[0].signed, false);
    assert.match(acc.json[0].signature.errors[0], /unknown certificate/);
  });

  it('registry-wide keys count in every project; a self-signed notation leaf can be its own anchor', async () => {
    const image = await pushImage('system', 'signed/system:v1');
    const [priv, pub] = await makeKey(dir, 'system', 'ed25519');
    const bad = await api('POST', '/system/trusted-keys', { name: 'sys', public_key: 'nope' });
    assert.equal(bad.status, 400);
    const r = await api('POST', '/system/trusted-keys', { name: 'sys', public_key: await readFile(pub, 'utf8') });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.scope, 'system');
    const payload = simpleSigning(`${server.host}/signed/system`, image.manifest.digest);
    await pushCosignSignature(pusher, 'signed/system', image.manifest.digest, [
      { payload, signature: await opensslSign(dir, priv, 'ed25519', payload) },
    ]);
    ok(await skopeoPull('signed/system:v1'), 'pull signed by a system key');
    const listed = await api('GET', '/system/trusted-keys');
    assert.ok(listed.json.some((k: { name: string }) => k.name === 'sys'));

    const leafDir = await mk('self-signed');
    await openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'self.key',
        '-out',
        'self.pem',
        '-days',
        '5',
        '-subj',
        '/CN=self signer',
        '-addext',
        'keyUsage=critical,digitalSignature',
        '-addext',
        'extendedKeyUsage=codeSigning',
      ],
      leafDir,
    );
    await openssl(['x509', '-in', 'self.pem', '-outform', 'DER', '-out', 'self.der'], leafDir);
    const added = await api('POST', '/projects/notary/trusted-keys', {
      name: 'self',
      certificate: await readFile(join(leafDir, 'self.pem'), 'utf8'),
    });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    const selfImage = await pushImage('self', 'notary/self:v1');
    const target = {
      digest: selfImage.manifest.digest,
      size: selfImage.manifest.size,
      mediaType: selfImage.manifest.mediaType,
    };
    await pushReferrer(pusher, 'notary/self', target, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(join(leafDir, 'self.key'), [await readFile(join(leafDir, 'self.der'))], target),
    });
    ok(await skopeoPull('notary/self:v1'), 'pull signed by a self-signed leaf');
  });

  it('deleting the trusted key refuses again at once', async () => {
    const keys = await api('GET', '/projects/signed/trusted-keys');
    const ci = keys.json.find((k: { name: string }) => k.name === 'ci');
    assert.equal((await api('DELETE', `/projects/signed/trusted-keys/${ci.id}`)).status, 200);
    const r = await skopeoPull('signed/app:v1');
    assert.match(r.stderr, /signature required/);
  });
});

async function mk(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  return d;
}
