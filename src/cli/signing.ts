/**
 * `berth sign <ref> --key key.pem` and `berth verify <ref> --key pub.pem`:
 * cosign-compatible signatures in the tag scheme (`sha256-<hex>.sig`, one
 * simple-signing layer per signature, the signature in the layer's
 * `dev.cosignproject.cosign/signature` annotation). Keys are PEM files as
 * openssl writes them (PKCS#8, SEC1 EC, PKCS#1 RSA); a passphrase comes from
 * BERTH_KEY_PASSWORD. Credentials from BERTH_USERNAME / BERTH_PASSWORD.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { signatureTag } from '../features/signing/collect.ts';
import { checkCosignLayer, KEY_FINGERPRINT_ANNOTATION } from '../features/signing/cosign.ts';
import { algorithmOf, fingerprintOf, parsePublicKey } from '../features/signing/keys.ts';
import { COSIGN_SIGNATURE_ANNOTATION, SIMPLE_SIGNING_TYPE, simpleSigningPayload } from '../features/signing/payload.ts';
import { signBytes } from '../features/signing/raw-signature.ts';
import { trustedSet } from '../features/signing/trust.ts';
import { OciClient, parseImageRef } from './oci-client.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function clientFor(host: string, flags: { plainHttp?: boolean }): OciClient {
  return new OciClient(host, {
    plainHttp: flags.plainHttp,
    username: process.env.BERTH_USERNAME,
    password: process.env.BERTH_PASSWORD,
  });
}

async function loadPrivateKey(file: string): Promise<KeyObject> {
  const pem = await readFile(file, 'utf8');
  try {
    return createPrivateKey({ key: pem, passphrase: process.env.BERTH_KEY_PASSWORD });
  } catch (err) {
    throw new Error(`${file} is not a readable private key (${(err as Error).message})`);
  }
}

async function resolve(client: OciClient, ref: ReturnType<typeof parseImageRef>): Promise<string> {
  const found = await client.resolve(ref.repository, ref.digest ?? (ref.tag as string));
  if (!found) throw new Error(`${ref.repository}:${ref.digest ?? ref.tag} not found`);
  return found;
}

export function signingCommands(): Command[] {
  const sign = new Command('sign')
    .description('sign an image with a private key (cosign tag-scheme signature)')
    .argument('<ref>', 'host[:port]/repository[:tag|@digest]')
    .requiredOption('--key <file>', 'private key in PEM (ECDSA P-256, RSA, RSA-PSS, Ed25519)')
    .option('--plain-http', 'talk to the registry over plain HTTP')
    .action(async (refText: string, flags: { key: string; plainHttp?: boolean }) => {
      const ref = parseImageRef(refText);
      const key = await loadPrivateKey(flags.key);
      const publicKey = createPublicKey(key);
      algorithmOf(publicKey, '--key');
      const client = clientFor(ref.host, flags);
      const digest = await resolve(client, ref);
      const payload = simpleSigningPayload(`${ref.host}/${ref.repository}`, digest);
      const signature = signBytes(key, payload).toString('base64');
      const payloadDigest = await client.pushBlob(ref.repository, payload);
      const tag = signatureTag(digest);
      const existing = await client.manifest(ref.repository, tag);
      const layers: unknown[] = [];
      if (existing) {
        const doc = JSON.parse(existing.bytes.toString('utf8')) as {
          layers?: { annotations?: Record<string, string> }[];
        };
        for (const l of doc.layers ?? [])
          if (l.annotations?.[COSIGN_SIGNATURE_ANNOTATION] !== signature) layers.push(l);
      }
      layers.push({
        mediaType: SIMPLE_SIGNING_TYPE,
        size: payload.length,
        digest: payloadDigest,
        annotations: {
          [COSIGN_SIGNATURE_ANNOTATION]: signature,
          [KEY_FINGERPRINT_ANNOTATION]: fingerprintOf(publicKey),
        },
      });
      const config = Buffer.from(
        JSON.stringify({
          architecture: '',
          created: '0001-01-01T00:00:00Z',
          history: [{ created: '0001-01-01T00:00:00Z' }],
          os: '',
          rootfs: { type: 'layers', diff_ids: (layers as { digest: string }[]).map((l) => l.digest) },
          config: {},
        }),
      );
      const configDigest = await client.pushBlob(ref.repository, config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
          layers,
        }),
      );
      await client.pushManifest(ref.repository, tag, manifest, OCI_MANIFEST);
      console.log(`signed ${ref.host}/${ref.repository}@${digest} (${tag}, key ${fingerprintOf(publicKey)})`);
    });

  const verify = new Command('verify')
    .description("verify an image's cosign signatures against a public key; prints the verified payloads")
    .argument('<ref>', 'host[:port]/repository[:tag|@digest]')
    .requiredOption('--key <file>', 'public key (or certificate) in PEM')
    .option('--plain-http', 'talk to the registry over plain HTTP')
    .action(async (refText: string, flags: { key: string; plainHttp?: boolean }) => {
      const ref = parseImageRef(refText);
      const pem = await readFile(flags.key, 'utf8');
      const parsed = parsePublicKey(pem, '--key');
      const trust = trustedSet([
        {
          id: 0,
          projectId: null,
          name: flags.key,
          kind: 'cert' in parsed ? 'certificate' : 'public_key',
          pem,
          algorithm: parsed.algorithm,
          fingerprint: parsed.fingerprint,
          createdAt: '',
        },
      ]);
      const client = clientFor(ref.host, flags);
      const digest = await resolve(client, ref);
      const sig = await client.manifest(ref.repository, signatureTag(digest));
      if (!sig) throw new Error(`no signatures found for ${ref.repository}@${digest}`);
      const doc = JSON.parse(sig.bytes.toString('utf8')) as {
        layers?: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
      };
      const verified: unknown[] = [];
      const problems: string[] = [];
      for (const layer of doc.layers ?? []) {
        if (layer.mediaType !== SIMPLE_SIGNING_TYPE) continue;
        const payload = await client.blob(ref.repository, layer.digest);
        const check = checkCosignLayer(sig.digest, layer.annotations ?? {}, payload, trust, {
          digest,
          repository: ref.repository,
          now: new Date(),
        });
        if (check.valid) verified.push(JSON.parse(payload.toString('utf8')));
        else problems.push(check.message);
      }
      if (verified.length === 0) throw new Error(`no valid signature: ${problems.join('; ') || 'none found'}`);
      console.error(
        `Verification for ${ref.host}/${ref.repository}@${digest} --\nThe signatures were verified against the specified public key`,
      );
      console.log(JSON.stringify(verified));
    });
  return [sign, verify];
}
