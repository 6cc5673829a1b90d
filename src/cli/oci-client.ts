/**
 * A small OCI distribution client for `berth sign`/`berth verify`: manifest
 * and blob reads and writes, with Docker token auth (Bearer challenge →
 * token endpoint with basic credentials) or basic auth.
 */
import { createHash } from 'node:crypto';

export interface ImageRef {
  host: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const digest = at === -1 ? null : ref.slice(at + 1);
  const rest = at === -1 ? ref : ref.slice(0, at);
  const slash = rest.indexOf('/');
  if (slash === -1) throw new Error(`reference ${ref} must name a registry host: host[:port]/repository[:tag|@digest]`);
  const host = rest.slice(0, slash);
  let repository = rest.slice(slash + 1);
  let tag: string | null = null;
  const colon = repository.lastIndexOf(':');
  if (colon !== -1) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  if (!repository) throw new Error(`reference ${ref} has no repository`);
  if (digest !== null && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid digest in ${ref}`);
  return { host, repository, tag: tag ?? (digest ? null : 'latest'), digest };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export class OciClient {
  private token: string | null = null;

  constructor(
    private readonly host: string,
    private readonly options: { plainHttp?: boolean; username?: string; password?: string } = {},
  ) {}

  private url(path: string): string {
    return `${this.options.plainHttp ? 'http' : 'https'}://${this.host}${path}`;
  }

  private basic(): string | null {
    const { username, password } = this.options;
    return username ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : null;
  }

  private async authenticate(challenge: string): Promise<void> {
    if (/^basic/i.test(challenge)) {
      if (!this.basic()) throw new Error('the registry asks for credentials: set BERTH_USERNAME and BERTH_PASSWORD');
      this.token = null;
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) throw new Error(`unsupported auth challenge: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const basic = this.basic();
    const res = await fetch(url, { headers: basic ? { authorization: basic } : {} });
    if (!res.ok) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token ?? null;
  }

  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const auth = this.token ? `Bearer ${this.token}` : this.basic();
      const res = await fetch(this.url(path), {
        method,
        headers: { ...(init.headers ?? {}), ...(auth ? { authorization: auth } : {}) },
        body: init.body ? new Uint8Array(init.body) : undefined,
      });
      const challenge = res.headers.get('www-authenticate');
      if (res.status !== 401 || !challenge || attempt > 0) return res;
      await res.arrayBuffer();
      await this.authenticate(challenge);
    }
  }

  /** The manifest's bytes and digest; null when absent. */
  async manifest(
    repository: string,
    reference: string,
  ): Promise<{ bytes: Buffer; digest: string; mediaType: string } | null> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_TYPES },
    });
    if (res.status === 404) return null;
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET manifest ${repository}:${reference}: ${res.status} ${bytes.toString('utf8')}`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return { bytes, digest, mediaType: res.headers.get('content-type') ?? '' };
  }

  /** The digest a tag or digest resolves to (HEAD: not refused by pull gates); null when absent. */
  async resolve(repository: string, reference: string): Promise<string | null> {
    const res = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: MANIFEST_TYPES },
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`HEAD manifest ${repository}:${reference}: ${res.status}`);
    const digest = res.headers.get('docker-content-digest');
    if (digest) return digest;
    return (await this.manifest(repository, reference))?.digest ?? null;
  }

  async blob(repository: string, digest: string): Promise<Buffer> {
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`GET blob ${digest}: ${res.status}`);
    return bytes;
  }

  async pushBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const head = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`);
    if (head.ok) return digest;
    const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`);
    if (start.status !== 202) throw new Error(`starting an upload: ${start.status} ${await start.text()}`);
    const location = start.headers.get('location') ?? '';
    const url = new URL(location, this.url('/'));
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', `${url.pathname}${url.search}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`uploading ${digest}: ${put.status} ${await put.text()}`);
    return digest;
  }

  async pushManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201) throw new Error(`PUT manifest ${reference}: ${res.status} ${await res.text()}`);
  }
}
