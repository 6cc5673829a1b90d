/**
 * Signature fixtures built offline from the published formats: keys and
 * certificates made by the openssl CLI, cosign tag-scheme signatures signed
 * by `openssl dgst`/`pkeyutl`, Sigstore bundles (DSSE, in-toto statement),
 * and notation JWS envelopes (notary.x509) with an openssl-made CA and leaf.
 */
import { constants, createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CborValue, encodeCbor, Tagged } from '../../src/features/signing/cbor.ts';
import { ok, run } from '../support/images.ts';

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function openssl(args: string[], cwd: string): Promise<void> {
  ok(await run('openssl', args, { cwd }), `openssl ${args.join(' ')}`);
}

/** Key pairs the way the docs tell users to make them; returns [private.pem, public.pem] paths. */
export async function makeKey(
  dir: string,
  name: string,
  kind: 'ec' | 'rsa' | 'rsa-pss' | 'ed25519',
): Promise<[string, string]> {
  const priv = join(dir, `${name}.key`);
  const pub = join(dir, `${name}.pub`);
  if (kind === 'ec') {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', priv], dir);
    await openssl(['ec', '-in', priv, '-pubout', '-out', pub], dir);
  } else {
    const alg = kind === 'rsa' ? 'RSA' : kind === 'rsa-pss' ? 'RSA-PSS' : 'ED25519';
    const opts = kind === 'ed25519' ? [] : ['-pkeyopt', 'rsa_keygen_bits:2048'];
    await openssl(['genpkey', '-algorithm', alg, ...opts, '-out', priv], dir);
    await openssl(['pkey', '-in', priv, '-pubout', '-out', pub], dir);
  }
  return [priv, pub];
}

/** Signs `data` with the openssl CLI exactly as cosign would for the key type. */
export async function opensslSign(dir: string, keyFile: string, kind: string, data: Buffer): Promise<Buffer> {
  const input = join(dir, `in-${Math.random().toString(36).slice(2)}`);
  const out = `${input}.sig`;
  await writeFile(input, data);
  if (kind === 'ed25519')
    await openssl(['pkeyutl', '-sign', '-inkey', keyFile, '-rawin', '-in', input, '-out', out], dir);
  else if (kind === 'rsa-pss')
    await openssl(['dgst', '-sha256', '-sign', keyFile, '-sigopt', 'rsa_padding_mode:pss', '-out', out, input], dir);
  else await openssl(['dgst', '-sha256', '-sign', keyFile, '-out', out, input], dir);
  return readFile(out);
}

export function simpleSigning(ref: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': ref },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

/** A plain HTTP client for pushing fixtures (auth off). */
export class Pusher {
  constructor(readonly base: string) {}
  async blob(repo: string, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const res = await fetch(`${this.base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    if (res.status !== 201) throw new Error(`blob push ${res.status} ${await res.text()}`);
    return digest;
  }
  async manifest(repo: string, ref: string, doc: unknown): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(doc));
    const res = await fetch(`${this.base}/v2/${repo}/manifests/${ref}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: new Uint8Array(bytes),
    });
    if (res.status !== 201) throw new Error(`manifest push ${res.status} ${await res.text()}`);
    return sha256(bytes);
  }
  async config(repo: string): Promise<{ mediaType: string; digest: string; size: number }> {
    const bytes = Buffer.from('{}');
    return { mediaType: 'application/vnd.oci.empty.v1+json', digest: await this.blob(repo, bytes), size: 2 };
  }
}

/** Pushes a cosign tag-scheme signature manifest (`sha256-<hex>.sig`) with one layer per signature. */
export async function pushCosignSignature(
  p: Pusher,
  repo: string,
  digest: string,
  layers: { payload: Buffer; signature: Buffer }[],
): Promise<void> {
  const descs = [];
  for (const l of layers) {
    descs.push({
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: await p.blob(repo, l.payload),
      size: l.payload.length,
      annotations: { 'dev.cosignproject.cosign/signature': l.signature.toString('base64') },
    });
  }
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }),
  );
  const config = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: await p.blob(repo, configBytes),
    size: configBytes.length,
  };
  await p.manifest(repo, `${digest.replace(':', '-')}.sig`, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: descs,
  });
}

/** Pushes a referrer (OCI 1.1 subject) holding one layer. */
export async function pushReferrer(
  p: Pusher,
  repo: string,
  subject: { digest: string; size: number },
  artifactType: string,
  layer: { mediaType: string; bytes: Buffer },
): Promise<string> {
  return p
    .manifest(repo, await refDigest(layer.bytes), {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType,
      config: await p.config(repo),
      layers: [{ mediaType: layer.mediaType, digest: await p.blob(repo, layer.bytes), size: layer.bytes.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...subject },
    })
    .then((d) => d);
}

async function refDigest(bytes: Buffer): Promise<string> {
  // Referrers are pushed by tag (a tag named after the layer) so each stays reachable.
  return `ref-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
}

/** A Sigstore bundle v0.3 with a DSSE envelope over an in-toto statement naming `digest`, signed by `keyFile`. */
export async function sigstoreBundle(
  dir: string,
  keyFile: string,
  kind: string,
  name: string,
  digest: string,
): Promise<Buffer> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name, digest: { sha256: digest.slice(7) } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `),
    statement,
  ]);
  const sig = await opensslSign(dir, keyFile, kind, pae);
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'openssl-key' }, tlogEntries: [] },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType,
        signatures: [{ sig: sig.toString('base64'), keyid: '' }],
      },
    }),
  );
}

/** A CA and a leaf issued by it (openssl req/x509), the leaf valid `leafDays` (-1: expired). */
export async function makeCertificates(
  dir: string,
  leafDays: number,
): Promise<{ caPem: string; leafKey: string; leafDer: Buffer; caDer: Buffer }> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=Berth Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ],
    dir,
  );
  await writeFile(
    join(dir, 'leaf.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n',
  );
  await openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=signer'],
    dir,
  );
  const validity = ['-days', String(leafDays)]; // -1: expired yesterday
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      ...validity,
      '-extfile',
      'leaf.ext',
    ],
    dir,
  );
  const der = async (f: string) => {
    await openssl(['x509', '-in', f, '-outform', 'DER', '-out', `${f}.der`], dir);
    return readFile(join(dir, `${f}.der`));
  };
  return {
    caPem: await readFile(join(dir, 'ca.pem'), 'utf8'),
    leafKey: join(dir, 'leaf.key'),
    leafDer: await der('leaf.pem'),
    caDer: await der('ca.pem'),
  };
}

/** A notation JWS envelope (notary.x509, PS256) for `target`. */
export async function notationJws(
  leafKeyFile: string,
  chain: Buffer[],
  target: { digest: string; size: number; mediaType: string },
  extra: Record<string, unknown> = {},
): Promise<Buffer> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = {
    alg: 'PS256',
    crit: ['io.cncf.notary.signingScheme', ...(extra['io.cncf.notary.expiry'] ? ['io.cncf.notary.expiry'] : [])],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': new Date().toISOString(),
    ...extra,
  };
  const protectedPart = b64(header);
  const payloadPart = b64({ targetArtifact: target });
  const key = createPrivateKey(await readFile(leafKeyFile, 'utf8'));
  const signature = nodeSign('sha256', Buffer.from(`${protectedPart}.${payloadPart}`), {
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return Buffer.from(
    JSON.stringify({
      payload: payloadPart,
      protected: protectedPart,
      header: { x5c: chain.map((c) => c.toString('base64')), 'io.cncf.notary.signingAgent': 'notation-go/1.1.0' },
      signature: signature.toString('base64url'),
    }),
  );
}

/** A notation COSE_Sign1 envelope (notary.x509, PS256) for `target`, encoded with the project's small CBOR writer. */
export async function notationCose(
  leafKeyFile: string,
  chain: Buffer[],
  target: { digest: string; size: number; mediaType: string },
): Promise<Buffer> {
  const protectedHeader = encodeCbor(
    new Map<CborValue, CborValue>([
      [1, -37],
      [2, ['io.cncf.notary.signingScheme']],
      [3, 'application/vnd.cncf.notary.payload.v1+json'],
      ['io.cncf.notary.signingScheme', 'notary.x509'],
      ['io.cncf.notary.signingTime', new Tagged(1, Math.floor(Date.now() / 1000))],
    ]),
  );
  const payload = Buffer.from(JSON.stringify({ targetArtifact: target }));
  const toBeSigned = encodeCbor(['Signature1', protectedHeader, Buffer.alloc(0), payload]);
  const key = createPrivateKey(await readFile(leafKeyFile, 'utf8'));
  const signature = nodeSign('sha256', toBeSigned, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const unprotected = new Map<CborValue, CborValue>([
    [33, chain],
    ['io.cncf.notary.signingAgent', 'notation-go/1.1.0'],
  ]);
  return encodeCbor(new Tagged(18, [protectedHeader, unprotected, payload, signature]));
}
