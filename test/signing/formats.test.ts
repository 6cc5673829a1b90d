/**
 * The other signature formats through the gate: Sigstore bundles (DSSE,
 * checked with @sigstore/verify), notation JWS and COSE envelopes against a
 * CA or a self-signed leaf (expired and untrusted ones refused), and
 * registry-wide keys.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ok } from '../support/images.ts';
import {
  makeCertificates,
  makeKey,
  notationCose,
  notationJws,
  openssl,
  opensslSign,
  pushCosignSignature,
  pushReferrer,
  sigstoreBundle,
  simpleSigning,
} from './fixtures.ts';
import { SigningHarness } from './harness.ts';

let h: SigningHarness;

describe('signature formats through the gate', { timeout: 600_000 }, () => {
  before(async () => {
    h = await SigningHarness.start();
  });
  after(async () => {
    await h?.stop();
  });

  it('Sigstore bundle referrers (DSSE, in-toto) verify with @sigstore/verify', async () => {
    const image = await h.pushImage('bundled', 'signed/bundled:v1');
    const [priv, pub] = await makeKey(h.dir, 'bundlekey', 'ec');
    await h.trustKey('signed', 'bundlekey', pub);
    const bundle = await sigstoreBundle(h.dir, priv, 'ec', `${h.server.host}/signed/bundled`, image.manifest.digest);
    await pushReferrer(
      h.pusher,
      'signed/bundled',
      { digest: image.manifest.digest, size: image.manifest.size },
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        bytes: bundle,
      },
    );
    ok(await h.skopeoPull('signed/bundled:v1'), 'bundle-signed pull');
  });

  it('notation JWS: CA-issued leaf passes, expired leaf and untrusted CA are refused', async () => {
    const good = await makeCertificates(await h.mk('certs-good'), 10);
    const r = await h.api('POST', '/projects/notary/trusted-keys', { name: 'ca', certificate: good.caPem });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const image = await h.pushImage('notarized', 'notary/app:v1');
    let pull = await h.skopeoPull('notary/app:v1');
    assert.match(pull.stderr, /no notation signature/);
    const target = { digest: image.manifest.digest, size: image.manifest.size, mediaType: image.manifest.mediaType };
    const jws = await notationJws(good.leafKey, [good.leafDer, good.caDer], target);
    await pushReferrer(h.pusher, 'notary/app', target, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: jws,
    });
    ok(await h.skopeoPull('notary/app:v1'), 'notation-signed pull');

    // The same trust with a COSE_Sign1 envelope.
    const coseImage = await h.pushImage('cose', 'notary/cose:v1');
    const coseTarget = {
      digest: coseImage.manifest.digest,
      size: coseImage.manifest.size,
      mediaType: coseImage.manifest.mediaType,
    };
    assert.match((await h.skopeoPull('notary/cose:v1')).stderr, /no notation signature/);
    await pushReferrer(h.pusher, 'notary/cose', coseTarget, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/cose',
      bytes: await notationCose(good.leafKey, [good.leafDer, good.caDer], coseTarget),
    });
    ok(await h.skopeoPull('notary/cose:v1'), 'COSE-signed pull');
    const coseSigs = await h.api('GET', '/projects/notary/repositories/cose/artifacts/v1/signatures');
    assert.match(coseSigs.json.signatures[0].message, /COSE/);

    const expiredImage = await h.pushImage('expired', 'notary/expired:v1');
    const expired = await makeCertificates(await h.mk('certs-expired'), -1);
    await h.api('POST', '/projects/notary/trusted-keys', { name: 'ca2', certificate: expired.caPem });
    const t2 = {
      digest: expiredImage.manifest.digest,
      size: expiredImage.manifest.size,
      mediaType: expiredImage.manifest.mediaType,
    };
    await pushReferrer(h.pusher, 'notary/expired', t2, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(expired.leafKey, [expired.leafDer, expired.caDer], t2),
    });
    pull = await h.skopeoPull('notary/expired:v1');
    assert.match(pull.stderr, /signature required: not signed by a trusted key: certificate .*signer.* expired/);

    const rogueImage = await h.pushImage('rogue', 'notary/rogue:v1');
    const rogue = await makeCertificates(await h.mk('certs-rogue'), 10);
    const t3 = {
      digest: rogueImage.manifest.digest,
      size: rogueImage.manifest.size,
      mediaType: rogueImage.manifest.mediaType,
    };
    await pushReferrer(h.pusher, 'notary/rogue', t3, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(rogue.leafKey, [rogue.leafDer, rogue.caDer], t3),
    });
    pull = await h.skopeoPull('notary/rogue:v1');
    assert.match(pull.stderr, /unknown certificate \(key fingerprint sha256:/);
    const acc = await h.api('GET', '/projects/notary/repositories/rogue/artifacts/v1/accessories');
    assert.equal(acc.json[0].type, 'signature.notation');
    assert.equal(acc.json[0].signed, false);
    assert.match(acc.json[0].signature.errors[0], /unknown certificate/);
  });

  it('registry-wide keys count in every project; a self-signed notation leaf can be its own anchor', async () => {
    const image = await h.pushImage('system', 'signed/system:v1');
    const [priv, pub] = await makeKey(h.dir, 'system', 'ed25519');
    const bad = await h.api('POST', '/system/trusted-keys', { name: 'sys', public_key: 'nope' });
    assert.equal(bad.status, 400);
    const r = await h.api('POST', '/system/trusted-keys', { name: 'sys', public_key: await readFile(pub, 'utf8') });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.scope, 'system');
    const payload = simpleSigning(`${h.server.host}/signed/system`, image.manifest.digest);
    await pushCosignSignature(h.pusher, 'signed/system', image.manifest.digest, [
      { payload, signature: await opensslSign(h.dir, priv, 'ed25519', payload) },
    ]);
    ok(await h.skopeoPull('signed/system:v1'), 'pull signed by a system key');
    const listed = await h.api('GET', '/system/trusted-keys');
    assert.ok(listed.json.some((k: { name: string }) => k.name === 'sys'));

    const leafDir = await h.mk('self-signed');
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
    const added = await h.api('POST', '/projects/notary/trusted-keys', {
      name: 'self',
      certificate: await readFile(join(leafDir, 'self.pem'), 'utf8'),
    });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    const selfImage = await h.pushImage('self', 'notary/self:v1');
    const target = {
      digest: selfImage.manifest.digest,
      size: selfImage.manifest.size,
      mediaType: selfImage.manifest.mediaType,
    };
    await pushReferrer(h.pusher, 'notary/self', target, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationJws(join(leafDir, 'self.key'), [await readFile(join(leafDir, 'self.der'))], target),
    });
    ok(await h.skopeoPull('notary/self:v1'), 'pull signed by a self-signed leaf');
  });
});
