/** Verifiers on their own: key parsing, cosign layers, bundles and JWS envelopes, and arbitrary bytes never throwing. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkBundle } from './bundle.ts';
import { type CborValue, decodeCbor, encodeCbor, Tagged } from './cbor.ts';
import { checkCosignLayer } from './cosign.ts';
import { KeyError, parsePublicKey } from './keys.ts';
import { checkNotation } from './notation.ts';
import { COSIGN_SIGNATURE_ANNOTATION, repositoryOfReference, simpleSigningPayload } from './payload.ts';
import { signBytes, verifyBytes } from './raw-signature.ts';
import { trustedSet } from './trust.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const expected = { digest: DIGEST, repository: 'team/app', now: new Date() };

function keyRecord(pem: string, name = 'k') {
  const p = parsePublicKey(pem);
  return {
    id: 1,
    projectId: 1,
    name,
    kind: 'public_key' as const,
    pem,
    algorithm: p.algorithm,
    fingerprint: p.fingerprint,
    createdAt: '',
  };
}

describe('signing verifiers', () => {
  it('signs and verifies with every supported key type', () => {
    const pairs = [
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      generateKeyPairSync('rsa-pss', { modulusLength: 2048 }),
      generateKeyPairSync('ed25519'),
    ];
    for (const { privateKey, publicKey } of pairs) {
      const data = Buffer.from('payload');
      const sig = signBytes(privateKey, data);
      assert.ok(verifyBytes(publicKey, data, sig), publicKey.asymmetricKeyType);
      assert.ok(!verifyBytes(publicKey, Buffer.from('other'), sig));
    }
  });

  it('refuses keys it cannot verify with', () => {
    const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
    assert.throws(() => parsePublicKey(dsa.publicKey.export({ type: 'spki', format: 'pem' }) as string), KeyError);
    const x448 = generateKeyPairSync('x448');
    assert.throws(
      () => parsePublicKey(x448.publicKey.export({ type: 'spki', format: 'pem' }) as string),
      /unsupported key type/,
    );
  });

  it('cosign layer: valid, other digest, other repository, unknown key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const trust = trustedSet([keyRecord(publicKey.export({ type: 'spki', format: 'pem' }) as string)]);
    const layer = (payload: Buffer) => ({
      [COSIGN_SIGNATURE_ANNOTATION]: signBytes(privateKey, payload).toString('base64'),
    });
    const good = simpleSigningPayload('registry.example:5000/team/app', DIGEST);
    assert.equal(checkCosignLayer('m', layer(good), good, trust, expected).valid, true);
    const other = simpleSigningPayload('registry.example/team/app', `sha256:${'b'.repeat(64)}`);
    assert.equal(checkCosignLayer('m', layer(other), other, trust, expected).failure, 'other_digest');
    const replay = simpleSigningPayload('registry.example/team/other', DIGEST);
    assert.equal(checkCosignLayer('m', layer(replay), replay, trust, expected).failure, 'other_repository');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = { [COSIGN_SIGNATURE_ANNOTATION]: signBytes(stranger.privateKey, good).toString('base64') };
    assert.equal(checkCosignLayer('m', foreign, good, trust, expected).failure, 'unknown_key');
  });

  it('CBOR round-trips what COSE_Sign1 uses and refuses hostile input', () => {
    const value = new Tagged(18, [
      Buffer.from([1, 2]),
      new Map<CborValue, CborValue>([
        [33, [Buffer.alloc(300)]],
        ['k', -37],
      ]),
      Buffer.from('{}'),
      Buffer.alloc(0),
    ]);
    assert.deepEqual(decodeCbor(encodeCbor(value)), value);
    assert.throws(() => decodeCbor(Buffer.from([0x9f])), /indefinite/);
    assert.throws(() => decodeCbor(Buffer.from([0x5a, 0xff, 0xff, 0xff, 0xff])), /truncated/);
    assert.throws(() => decodeCbor(Buffer.alloc(40, 0x81)), /deeply/);
  });

  it('docker references lose their host', () => {
    assert.equal(repositoryOfReference('127.0.0.1:5000/team/app'), 'team/app');
    assert.equal(repositoryOfReference('localhost/team/app:v1'), 'team/app');
    assert.equal(repositoryOfReference('team/app'), 'team/app');
    assert.equal(repositoryOfReference('reg.example.com/team/app@sha256:00'), 'team/app');
  });

  it('arbitrary bytes are invalid signatures, never exceptions', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const trust = trustedSet([keyRecord(publicKey.export({ type: 'spki', format: 'pem' }) as string)]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, text) => {
        const b = Buffer.from(bytes);
        for (const input of [b, Buffer.from(text)]) {
          assert.equal(checkNotation('m', 'application/jose+json', input, trust, expected).valid, false);
          assert.equal(checkBundle('m', input, trust, expected).valid, false);
          assert.equal(
            checkCosignLayer('m', { [COSIGN_SIGNATURE_ANNOTATION]: text }, input, trust, expected).valid,
            false,
          );
        }
      }),
      { numRuns: 300 },
    );
    const jsonish = Buffer.from(
      JSON.stringify({ payload: 'e30', protected: 'e30', signature: '', header: { x5c: ['AAAA'] } }),
    );
    assert.match(checkNotation('m', 'application/jose+json', jsonish, trust, expected).message, /content type/);
    assert.match(checkNotation('m', 'application/cose', jsonish, trust, expected).message, /COSE/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        assert.equal(checkNotation('m', 'application/cose', Buffer.from(bytes), trust, expected).valid, false);
      }),
      { numRuns: 500 },
    );
  });
});
