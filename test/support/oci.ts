/**
 * Small helpers for driving an OCI registry over HTTP in tests: content built
 * on the spot (random blobs, manifests with computed digests), a thin fetch
 * wrapper, and a raw HTTP client for requests fetch refuses to send
 * (unnormalised paths, lying Content-Length, bodies cut off mid-way).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const OCI_LAYER_NONDIST = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

export type Algorithm = 'sha256' | 'sha512';

export function digestOf(bytes: Buffer | string, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export interface Blob {
  bytes: Buffer;
  digest: string;
  size: number;
}

export function blobOf(bytes: Buffer | string, algorithm: Algorithm = 'sha256'): Blob {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return { bytes: buf, digest: digestOf(buf, algorithm), size: buf.length };
}

export function randomBlob(size = 1024, algorithm: Algorithm = 'sha256'): Blob {
  return blobOf(randomBytes(size), algorithm);
}

/** The OCI empty descriptor's content, `{}`. */
export const emptyConfig = blobOf('{}');

/** A unique, valid repository name (lower case, may contain slashes). */
export function repoName(prefix = 'repo'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
  platform?: { architecture: string; os: string };
}

export function descriptor(blob: Blob, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: blob.digest, size: blob.size, ...extra };
}

/** A random image config (JSON, so it looks like one) as a blob. */
export function configBlob(): Blob {
  return blobOf(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digestOf(randomBytes(8))] },
    }),
  );
}

export interface ManifestDoc {
  bytes: Buffer;
  digest: string;
  size: number;
  mediaType: string;
  json: Record<string, unknown>;
}

/** Serialises `json` (or takes raw text as is) into a manifest with its digest. */
export function manifestOf(json: Record<string, unknown> | string, mediaType: string): ManifestDoc {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const bytes = Buffer.from(text);
  return {
    bytes,
    digest: digestOf(bytes),
    size: bytes.length,
    mediaType,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}

export function imageManifest(opts: {
  config: Descriptor;
  layers: Descriptor[];
  mediaType?: string;
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  omitMediaType?: boolean;
}): ManifestDoc {
  const mediaType = opts.mediaType ?? OCI_MANIFEST;
  const json: Record<string, unknown> = { schemaVersion: 2 };
  if (!opts.omitMediaType) json.mediaType = mediaType;
  if (opts.artifactType) json.artifactType = opts.artifactType;
  json.config = opts.config;
  json.layers = opts.layers;
  if (opts.subject) json.subject = opts.subject;
  if (opts.annotations) json.annotations = opts.annotations;
  return manifestOf(json, mediaType);
}

export function indexManifest(opts: {
  manifests: Descriptor[];
  mediaType?: string;
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}): ManifestDoc {
  const mediaType = opts.mediaType ?? OCI_INDEX;
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (opts.artifactType) json.artifactType = opts.artifactType;
  json.manifests = opts.manifests;
  if (opts.subject) json.subject = opts.subject;
  if (opts.annotations) json.annotations = opts.annotations;
  return manifestOf(json, mediaType);
}

export function manifestDescriptor(m: ManifestDoc, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: m.mediaType, digest: m.digest, size: m.size, ...extra };
}

// ------------------------------------------------------------------ client

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
  json(): unknown;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** A fetch-based client rooted at the registry's base URL (`http://host:port`). */
export class RegistryClient {
  constructor(readonly base: string) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: opts.headers,
      body: typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body),
      redirect: 'manual',
    });
    const body = Buffer.from(await res.arrayBuffer());
    const text = body.toString('utf8');
    // Every /v2/ answer of the registry itself (not a redirect elsewhere) names the API version.
    if (path.startsWith('/v2/') && res.status !== 307 && res.status !== 301) {
      assert.equal(
        res.headers.get('docker-distribution-api-version'),
        'registry/2.0',
        `${method} ${path} ${res.status}: Docker-Distribution-API-Version`,
      );
    }
    if (res.status === 307 && method === 'GET' && /\/blobs\/[^/]+$/.test(path) && res.headers.get('location')) {
      return this.followBlobRedirect(res, opts);
    }
    return { status: res.status, headers: res.headers, body, text, json: () => JSON.parse(text) };
  }

  /**
   * A driver may answer a blob GET with a redirect to its object store
   * (presigned URL). Follow it as a client would; the registry's own headers
   * (digest, API version) come from the redirect answer.
   */
  private async followBlobRedirect(redirect: Response, opts: RequestOptions): Promise<Reply> {
    const target = await fetch(new URL(redirect.headers.get('location')!, this.base), {
      headers: Object.fromEntries(Object.entries(opts.headers ?? {}).filter(([k]) => k !== 'authorization')),
    });
    const body = Buffer.from(await target.arrayBuffer());
    const text = body.toString('utf8');
    const headers = new Headers(target.headers);
    for (const name of ['docker-content-digest', 'docker-distribution-api-version']) {
      const value = redirect.headers.get(name);
      if (value && !headers.has(name)) headers.set(name, value);
    }
    return { status: target.status, headers, body, text, json: () => JSON.parse(text) };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }
  head(path: string, headers?: Record<string, string>) {
    return this.request('HEAD', path, { headers });
  }
  delete(path: string) {
    return this.request('DELETE', path);
  }

  /** POST + PUT monolithic upload; asserts success. */
  async pushBlob(repo: string, blob: Blob): Promise<void> {
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`);
    assert.equal(start.status, 202, `POST upload: ${start.text}`);
    const put = await this.request('PUT', withQuery(start.headers.get('location')!, { digest: blob.digest }), {
      headers: { 'content-type': 'application/octet-stream' },
      body: blob.bytes,
    });
    assert.equal(put.status, 201, `PUT upload: ${put.text}`);
  }

  async pushBlobs(repo: string, ...blobs: Blob[]): Promise<void> {
    for (const blob of blobs) await this.pushBlob(repo, blob);
  }

  putManifest(repo: string, reference: string, m: ManifestDoc, contentType = m.mediaType): Promise<Reply> {
    return this.request('PUT', `/v2/${repo}/manifests/${reference}`, {
      headers: { 'content-type': contentType },
      body: m.bytes,
    });
  }

  /** PUT a manifest; asserts 201. */
  async pushManifest(repo: string, reference: string, m: ManifestDoc): Promise<Reply> {
    const res = await this.putManifest(repo, reference, m);
    assert.equal(res.status, 201, `PUT manifest ${repo}:${reference}: ${res.text}`);
    return res;
  }

  /** Pushes a small image (config + layers) and its manifest under `tag`. */
  async pushImage(repo: string, tag: string, layers = 2): Promise<{ manifest: ManifestDoc; blobs: Blob[] }> {
    const config = configBlob();
    const blobs = Array.from({ length: layers }, () => randomBlob(512));
    await this.pushBlobs(repo, config, ...blobs);
    const manifest = imageManifest({
      config: descriptor(config, OCI_CONFIG),
      layers: blobs.map((b) => descriptor(b, OCI_LAYER_GZIP)),
    });
    await this.pushManifest(repo, tag, manifest);
    return { manifest, blobs: [config, ...blobs] };
  }
}

/** Appends query parameters to a (possibly relative) location. */
export function withQuery(location: string, params: Record<string, string>): string {
  const url = new URL(location, 'http://placeholder');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return /^https?:/.test(location) ? url.toString() : `${url.pathname}${url.search}`;
}

/** Asserts an OCI error body with `code` and the right status. */
export function assertError(res: Reply, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = res.json() as { errors: { code: string; message: string; detail?: unknown }[] };
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `errors array in ${res.text}`);
  assert.equal(body.errors[0].code, code, res.text);
  assert.equal(typeof body.errors[0].message, 'string');
  assert.ok('detail' in body.errors[0], 'error has a detail member');
}

/** Parses a `Link: <url>; rel="next"` header into its URL. */
export function nextLink(headers: Headers): string | null {
  const link = headers.get('link');
  if (!link) return null;
  const m = /^<([^>]+)>;\s*rel="next"$/.exec(link.trim());
  assert.ok(m, `malformed Link header: ${link}`);
  return m[1];
}

// ------------------------------------------------------------------ raw HTTP

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

export interface RawOptions {
  headers?: Record<string, string | number>;
  /** Body chunks written one after the other; without content-length, chunked encoding is used. */
  chunks?: Buffer[];
  /** Destroys the socket after writing the chunks instead of ending the request. */
  cutOff?: boolean;
}

/**
 * A request with node:http: the path is sent exactly as given (no `..`
 * normalisation) and the headers are not checked against the body.
 */
export function rawRequest(base: string, method: string, path: string, opts: RawOptions = {}): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    (async () => {
      for (const chunk of opts.chunks ?? []) {
        await new Promise<void>((done) => (req.write(chunk) ? done() : req.once('drain', done)));
        await new Promise((r) => setImmediate(r));
      }
      if (opts.cutOff) {
        // Give the server the bytes, then drop the connection mid-body.
        await new Promise((r) => setTimeout(r, 50));
        req.destroy();
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), json: () => null });
        return;
      }
      req.end();
    })().catch(reject);
  });
}

/** Waits until `check` passes (for effects that follow a dropped connection). */
export async function eventually(check: () => Promise<void>, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
