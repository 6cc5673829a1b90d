/**
 * The signature pull gate end to end: a Berth (auth off) with projects whose
 * content-trust switches are on, images pushed by skopeo, signatures made by
 * `berth sign` and by openssl in cosign's tag-scheme format, pulled by
 * skopeo and podman through the gate; every refusal reason in the client's
 * error; bad keys and bad signature manifests.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerTool } from '../support/container-tools.ts';
import { buildTwoPlatformIndex, OciLayout, ok, run } from '../support/images.ts';
import { makeKey, opensslSign, pushCosignSignature, simpleSigning } from './fixtures.ts';
import { SigningHarness } from './harness.ts';

let h: SigningHarness;

describe('signature pull gate', { timeout: 600_000 }, () => {
  before(async () => {
    h = await SigningHarness.start();
  });
  after(async () => {
    await h?.stop();
  });

  it('project metadata reads back the switches', async () => {
    const r = await h.api('GET', '/projects/signed');
    assert.equal(r.json.metadata.enable_content_trust_cosign, 'true');
    assert.equal(r.json.metadata.enable_content_trust, 'false');
    const bad = await h.api('PUT', '/projects/open', { metadata: { enable_content_trust: 'maybe' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /enable_content_trust/);
    const refused = await h.api('POST', '/projects', {
      project_name: 'half',
      metadata: { enable_content_trust_cosign: 'yes' },
    });
    assert.equal(refused.status, 400);
    assert.equal((await h.api('GET', '/projects/half')).status, 404); // nothing half-made
  });

  it('refuses an unsigned pull with 412 naming signing; ungated projects pass', async () => {
    await h.pushImage('plain', 'signed/app:v1');
    const r = await h.skopeoPull('signed/app:v1');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /signature required/);
    assert.match(r.stderr, /no cosign signature/);
    const res = await fetch(`${h.server.url}/v2/signed/app/manifests/v1`);
    assert.equal(res.status, 412);
    assert.equal((await res.json()).errors[0].code, 'DENIED');
    await h.pushImage('open', 'open/app:v1');
    ok(await h.skopeoPull('open/app:v1'), 'ungated pull');
    // The management API still reads it.
    const art = await h.api('GET', '/projects/signed/repositories/app/artifacts/v1');
    assert.equal(art.status, 200);
  });

  it('bad keys are 400 at upload, never 500', async () => {
    const [priv] = await makeKey(h.dir, 'badcheck', 'ec');
    await run('openssl', ['ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', join(h.dir, 'k1.key')]);
    await run('openssl', ['ec', '-in', join(h.dir, 'k1.key'), '-pubout', '-out', join(h.dir, 'k1.pub')]);
    await run('openssl', [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:1024',
      '-out',
      join(h.dir, 'short.key'),
    ]);
    await run('openssl', ['pkey', '-in', join(h.dir, 'short.key'), '-pubout', '-out', join(h.dir, 'short.pub')]);
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', public_key: 'not pem' }, /not PEM/],
      [{ name: 'x', public_key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, /not a readable/],
      [{ name: 'x', public_key: await readFile(priv, 'utf8') }, /private key/],
      [{ name: 'x', public_key: await readFile(join(h.dir, 'k1.pub'), 'utf8') }, /unsupported elliptic curve/],
      [{ name: 'x', public_key: await readFile(join(h.dir, 'short.pub'), 'utf8') }, /too short/],
      [{ name: 'x', certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, /certificate/],
      [{ name: 'x' }, /exactly one/],
      [{ public_key: 'x' }, /name/],
    ];
    for (const [body, message] of cases) {
      const r = await h.api('POST', '/projects/signed/trusted-keys', body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.errors[0].message, message);
    }
  });

  it('berth sign with an openssl EC key: trusted pulls pass (skopeo, podman), berth verify agrees', async () => {
    const [priv, pub] = await makeKey(h.dir, 'ci', 'ec');
    await h.trustKey('signed', 'ci', pub);
    const signed = await h.berth(['sign', `${h.server.host}/signed/app:v1`, '--key', priv, '--plain-http']);
    ok(signed, 'berth sign');
    ok(await h.skopeoPull('signed/app:v1'), 'signed pull');
    const verified = ok(
      await h.berth(['verify', `${h.server.host}/signed/app:v1`, '--key', pub, '--plain-http']),
      'verify',
    );
    assert.match(verified.stdout, /docker-manifest-digest/);
    const podman = await ContainerTool.create('podman', join(h.dir, 'podman'));
    ok(await podman.run(['pull', '--tls-verify=false', `${h.server.host}/signed/app:v1`]), 'podman pull signed');
    const list = await h.api('GET', '/projects/signed/repositories/app/artifacts/v1/signatures');
    assert.equal(list.json.status, 'signed');
    assert.equal(list.json.signatures[0].key, 'ci');
    const acc = await h.api('GET', '/projects/signed/repositories/app/artifacts/v1/accessories');
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
      const layout = await OciLayout.create(join(h.dir, `layout-${name}`));
      const built = await buildTwoPlatformIndex(layout, 'v1', [{ size: 1024 }]);
      ok(
        await run('skopeo', [
          'copy',
          '--all',
          '--dest-tls-verify=false',
          '--preserve-digests',
          `oci:${layout.dir}:v1`,
          h.server.ref(`signed/${name}:v1`),
        ]),
        'push index',
      );
      if (sign)
        ok(
          await h.berth(['sign', `${h.server.host}/signed/${name}:v1`, '--key', join(h.dir, 'ci.key'), '--plain-http']),
          'sign index',
        );
      const child = built.images[1].manifest.digest;
      const res = await fetch(`${h.server.url}/v2/signed/${name}/manifests/${child}`, {
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
        h.server.ref(`signed/${name}:v1`),
        `oci:${join(h.dir, `pull-${name}`)}:x`,
      ]);
      if (sign) ok(pull, 'pull child of a signed index');
      else assert.match(pull.stderr, /signature required/);
      // A HEAD only names the digest: never gated (what signing tools need).
      const head = await fetch(`${h.server.url}/v2/signed/${name}/manifests/v1`, { method: 'HEAD' });
      assert.equal(head.status, 200);
    }
  });

  it('each key type, signed by openssl in cosign tag-scheme format, verifies', async () => {
    for (const kind of ['rsa', 'rsa-pss', 'ed25519'] as const) {
      const image = await h.pushImage(kind, `signed/${kind}:v1`);
      const before = await h.skopeoPull(`signed/${kind}:v1`);
      assert.match(before.stderr, /signature required/);
      const [priv, pub] = await makeKey(h.dir, kind, kind);
      await h.trustKey('signed', `k-${kind}`, pub);
      const payload = simpleSigning(`${h.server.host}/signed/${kind}`, image.manifest.digest);
      await pushCosignSignature(h.pusher, `signed/${kind}`, image.manifest.digest, [
        { payload, signature: await opensslSign(h.dir, priv, kind, payload) },
      ]);
      ok(await h.skopeoPull(`signed/${kind}:v1`), `${kind} signed pull`);
    }
  });

  it('refusal reasons: unknown key (fingerprint), other digest, other repository, malformed', async () => {
    await h.pushImage('stranger', 'signed/stranger:v1');
    const [otherPriv] = await makeKey(h.dir, 'other', 'ec');
    ok(
      await h.berth(['sign', `${h.server.host}/signed/stranger:v1`, '--key', otherPriv, '--plain-http']),
      'sign other',
    );
    let r = await h.skopeoPull('signed/stranger:v1');
    assert.match(
      r.stderr,
      /signature required: not signed by a trusted key: signed by an unknown key \(fingerprint sha256:[0-9a-f]{64}\)/,
    );

    // A valid signature of image "plain" (signed/app) copied onto another image's .sig tag.
    const victim = await h.pushImage('victim', 'signed/victim:v1');
    const [priv] = [join(h.dir, 'ci.key')];
    const payload = simpleSigning(`${h.server.host}/signed/victim`, h.images.plain.manifest.digest);
    await pushCosignSignature(h.pusher, 'signed/victim', victim.manifest.digest, [
      { payload, signature: await opensslSign(h.dir, priv, 'ec', payload) },
    ]);
    r = await h.skopeoPull('signed/victim:v1');
    assert.match(r.stderr, /signature for another digest/);

    // The same image and its signature replayed into another repository.
    ok(
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        h.server.ref('signed/app:v1'),
        h.server.ref('signed/replay:v1'),
      ]),
      'copy',
    );
    const sigTag = `${h.images.plain.manifest.digest.replace(':', '-')}.sig`;
    ok(
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        h.server.ref(`signed/app:${sigTag}`),
        h.server.ref(`signed/replay:${sigTag}`),
      ]),
      'copy sig',
    );
    r = await h.skopeoPull('signed/replay:v1');
    assert.match(r.stderr, /signature made for repository signed\/app, not signed\/replay/);
    const podman = await ContainerTool.create('podman', join(h.dir, 'podman2'));
    const pr = await podman.run(['pull', '--tls-verify=false', `${h.server.host}/signed/replay:v1`]);
    assert.notEqual(pr.code, 0);
    assert.match(pr.stderr, /signature required/);

    // Malformed and oversized signature manifests: invalid, never a 500, never a pass.
    const junk = await h.pushImage('junk', 'signed/junk:v1');
    const tag = `${junk.manifest.digest.replace(':', '-')}.sig`;
    const config = await h.pusher.config('signed/junk');
    const huge = Buffer.alloc(300_000, 'a');
    await h.pusher.manifest('signed/junk', tag, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: await h.pusher.blob('signed/junk', huge),
          size: huge.length,
          annotations: { 'dev.cosignproject.cosign/signature': '!!!' },
        },
      ],
    });
    const res = await fetch(`${h.server.url}/v2/signed/junk/manifests/v1`);
    assert.equal(res.status, 412);
    assert.match((await res.json()).errors[0].message, /signature required.*payload is missing or too large/);

    // A signature manifest over the size limit is not even read.
    const bloated = await h.pushImage('bloated', 'signed/bloated:v1');
    const payload2 = simpleSigning(`${h.server.host}/signed/bloated`, bloated.manifest.digest);
    await h.pusher.manifest('signed/bloated', `${bloated.manifest.digest.replace(':', '-')}.sig`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: await h.pusher.config('signed/bloated'),
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: await h.pusher.blob('signed/bloated', payload2),
          size: payload2.length,
          annotations: {
            'dev.cosignproject.cosign/signature': (await opensslSign(h.dir, priv, 'ec', payload2)).toString('base64'),
            padding: 'x'.repeat(300_000),
          },
        },
      ],
    });
    const big = await fetch(`${h.server.url}/v2/signed/bloated/manifests/v1`);
    assert.equal(big.status, 412);
    assert.match((await big.json()).errors[0].message, /signature manifest is larger than/);
    // A signature manifest without layers: invalid, not a 500.
    const garbage = await h.pushImage('garbage', 'signed/garbage:v1');
    await h.pusher.manifest('signed/garbage', `${garbage.manifest.digest.replace(':', '-')}.sig`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: await h.pusher.config('signed/garbage'),
      layers: [],
    });
    const g = await fetch(`${h.server.url}/v2/signed/garbage/manifests/v1`);
    assert.equal(g.status, 412);
    assert.match((await g.json()).errors[0].message, /signature required.*1 to 32 layers/);
  });

  it('deleting the trusted key refuses again at once', async () => {
    const keys = await h.api('GET', '/projects/signed/trusted-keys');
    const ci = keys.json.find((k: { name: string }) => k.name === 'ci');
    assert.equal((await h.api('DELETE', `/projects/signed/trusted-keys/${ci.id}`)).status, 200);
    const r = await h.skopeoPull('signed/app:v1');
    assert.match(r.stderr, /signature required/);
  });
});
