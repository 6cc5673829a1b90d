/**
 * A client of Harbor's pluggable scanner API v1.2 (goharbor/pluggable-scanner-spec):
 * `GET /api/v1/metadata`, `POST /api/v1/scan` (202 with the scan's id) and
 * `GET /api/v1/scan/{id}/report` (302 with Retry-After while the scan runs),
 * asked for the vulnerability report and, from an adapter with the `sbom`
 * capability, for the SBOM report of the same scan. Every call can be
 * aborted (a stopped scan stops waiting at once).
 * Every address is checked against the outbound rule before connecting and
 * again at connect time (its `lookup`), as for webhooks.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OutboundGuard } from '../webhooks/sender.ts';

export const SCAN_REQUEST_MIME = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
export const SCAN_REQUEST_MIME_1_1 = 'application/vnd.scanner.adapter.scan.request+json; version=1.1';
export const METADATA_MIME = 'application/vnd.scanner.adapter.metadata+json; version=1.0';
export const VULN_REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
/**
 * The SBOM report's type: the spec's (v1.2, `data/spec/SBOM.md`) first, then the
 * name Harbor's own code has used for it; whichever the adapter lists is asked for.
 */
export const SBOM_REPORT_MIMES = [
  'application/vnd.security.sbom.report+json; version=1.0',
  'application/vnd.scanner.adapter.sbom.report.harbor+json; version=1.0',
] as const;
/** SBOM formats Berth stores as referrers, in order of preference (its own SBOMs are CycloneDX). */
export const SBOM_MEDIA_TYPES = ['application/vnd.cyclonedx+json', 'application/spdx+json'] as const;

export interface AdapterTarget {
  url: string;
  /** `Basic`, `Bearer`, `APIKey` or ''. */
  auth: string;
  credential: string;
  skipCertVerify: boolean;
}

export interface AdapterMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: {
    type?: string;
    consumes_mime_types: string[];
    produces_mime_types: string[];
    additional_attributes?: { sbom_media_types?: unknown };
  }[];
  properties: Record<string, string>;
}

export interface ScanRequest {
  registry: { url: string; authorization: string };
  artifact: { repository: string; digest: string; tag: string; mime_type: string };
  /** v1.2: which reports to make; absent, an adapter makes all it can (the v1.0/1.1 behaviour). */
  enabled_capabilities?: {
    type: 'vulnerability' | 'sbom';
    produces_mime_types?: string[];
    parameters?: { sbom_media_types: string[] };
  }[];
}

/** What the adapter offers for SBOMs: the report type to ask for and the SBOM format Berth wants. */
export interface SbomCapability {
  reportMime: string;
  mediaType: string;
}

/** The adapter's SBOM capability, when it has one in a format Berth stores. */
export function sbomCapability(meta: AdapterMetadata): SbomCapability | null {
  for (const c of meta.capabilities) {
    const reportMime = SBOM_REPORT_MIMES.find((m) => c.produces_mime_types?.includes(m));
    if (!reportMime) continue;
    const offered = c.additional_attributes?.sbom_media_types;
    // No list: the spec's formats are both expected; Berth asks for CycloneDX.
    const formats = Array.isArray(offered) ? offered.filter((f): f is string => typeof f === 'string') : null;
    const mediaType = SBOM_MEDIA_TYPES.find((f) => formats === null || formats.includes(f));
    if (mediaType) return { reportMime, mediaType };
  }
  return null;
}

/** An SBOM report: the document in its format (CycloneDX or SPDX JSON). */
export interface AdapterSbom {
  mediaType: string;
  content: Buffer;
}

export interface AdapterVulnerability {
  id: string;
  package: string;
  version: string;
  fix_version?: string;
  severity?: string;
  description?: string;
  links?: string[];
}

/** A failure of the adapter or of the way to it; the message is shown as the scan's error. */
export class AdapterError extends Error {}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const MAX_ANSWER = 64 << 20;

export class ScannerAdapterClient {
  constructor(
    private readonly target: AdapterTarget,
    private readonly outbound: OutboundGuard,
    private readonly timeoutMs = 30_000,
  ) {}

  private headers(): Record<string, string> {
    const { auth, credential } = this.target;
    if (!auth || !credential) return {};
    if (auth === 'APIKey') return { 'x-scanneradapter-api-key': credential };
    return { authorization: `${auth} ${credential}` };
  }

  private async call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    signal?: AbortSignal,
  ): Promise<Answer> {
    signal?.throwIfAborted();
    const url = new URL(path, this.target.url.endsWith('/') ? this.target.url : `${this.target.url}/`);
    try {
      await this.outbound.assertAllowed(url);
    } catch (err) {
      throw new AdapterError(`scanner address refused: ${(err as Error).message}`);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const all = {
      ...this.headers(),
      ...headers,
      ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    };
    return new Promise<Answer>((resolve, reject) => {
      const r = send(
        url,
        {
          method,
          headers: all,
          lookup: this.outbound.lookup,
          rejectUnauthorized: !this.target.skipCertVerify,
          timeout: this.timeoutMs,
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER) res.destroy(new AdapterError('the scanner answered more than 64 MiB'));
            else chunks.push(c);
          });
          res.on('error', (err) => {
            if (signal?.aborted) reject(signal.reason);
            else reject(err instanceof AdapterError ? err : new AdapterError(err.message));
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      r.on('timeout', () => r.destroy(new AdapterError(`the scanner did not answer within ${this.timeoutMs} ms`)));
      r.on('error', (err) => {
        if (signal?.aborted) reject(signal.reason);
        else reject(err instanceof AdapterError ? err : new AdapterError(`cannot reach the scanner: ${err.message}`));
      });
      r.end(body);
    });
  }

  private static problem(a: Answer): AdapterError {
    let message = a.text.slice(0, 300);
    try {
      const parsed = JSON.parse(a.text) as { error?: { message?: string } };
      if (parsed.error?.message) message = parsed.error.message;
    } catch {
      // not JSON: the text as it came
    }
    return new AdapterError(`the scanner answered HTTP ${a.status}${message ? `: ${message}` : ''}`);
  }

  private static json<T>(a: Answer): T {
    try {
      return JSON.parse(a.text) as T;
    } catch {
      throw new AdapterError('the scanner answered something that is not JSON');
    }
  }

  async metadata(): Promise<AdapterMetadata> {
    const a = await this.call('GET', 'api/v1/metadata', { accept: METADATA_MIME });
    if (a.status !== 200) throw ScannerAdapterClient.problem(a);
    const m = ScannerAdapterClient.json<Partial<AdapterMetadata>>(a);
    if (!m.scanner || typeof m.scanner.name !== 'string')
      throw new AdapterError('the scanner metadata names no scanner (is this a Harbor scanner adapter?)');
    return { scanner: m.scanner, capabilities: m.capabilities ?? [], properties: m.properties ?? {} };
  }

  /** Submits a scan; returns the adapter's id for it. */
  async submit(request: ScanRequest, signal?: AbortSignal): Promise<string> {
    const a = await this.call(
      'POST',
      'api/v1/scan',
      {
        // v1.1 of the request carries enabled_capabilities; a request without them stays v1.0.
        'content-type': request.enabled_capabilities ? SCAN_REQUEST_MIME_1_1 : SCAN_REQUEST_MIME,
        accept: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
      },
      JSON.stringify(request),
      signal,
    );
    if (a.status !== 202 && a.status !== 200) throw ScannerAdapterClient.problem(a);
    const id = ScannerAdapterClient.json<{ id?: unknown }>(a).id;
    if (typeof id !== 'string' || id === '') throw new AdapterError('the scanner accepted the scan but gave no id');
    return id;
  }

  /** A report of the scan as JSON, or how many seconds to wait before asking again. */
  private async poll(
    id: string,
    accept: string,
    query: string,
    signal?: AbortSignal,
  ): Promise<{ retryAfter: number } | { answer: Answer }> {
    const a = await this.call(
      'GET',
      `api/v1/scan/${encodeURIComponent(id)}/report${query}`,
      { accept },
      undefined,
      signal,
    );
    if (a.status === 302) {
      // Retry-After as the adapters send it; Refresh-After as the v1.2 spec names it.
      const after = Number(a.headers['retry-after'] ?? a.headers['refresh-after']);
      return { retryAfter: Number.isFinite(after) && after >= 0 ? after : 1 };
    }
    if (a.status !== 200) throw ScannerAdapterClient.problem(a);
    return { answer: a };
  }

  /** The vulnerability report, or how many seconds to wait before asking again. */
  async report(
    id: string,
    signal?: AbortSignal,
  ): Promise<{ retryAfter: number } | { vulnerabilities: AdapterVulnerability[] }> {
    const polled = await this.poll(id, VULN_REPORT_MIME, '', signal);
    if ('retryAfter' in polled) return polled;
    const body = ScannerAdapterClient.json<{ vulnerabilities?: unknown }>(polled.answer);
    if (body.vulnerabilities !== undefined && body.vulnerabilities !== null && !Array.isArray(body.vulnerabilities))
      throw new AdapterError('the scanner report has no vulnerabilities list');
    return { vulnerabilities: (body.vulnerabilities ?? []) as AdapterVulnerability[] };
  }

  /** The SBOM report of the same scan (v1.2, `?sbom_media_type=`), or how long to wait. */
  async sbom(id: string, want: SbomCapability, signal?: AbortSignal): Promise<{ retryAfter: number } | AdapterSbom> {
    const query = `?sbom_media_type=${encodeURIComponent(want.mediaType)}`;
    const polled = await this.poll(id, want.reportMime, query, signal);
    if ('retryAfter' in polled) return polled;
    const body = ScannerAdapterClient.json<{ media_type?: unknown; sbom?: unknown }>(polled.answer);
    if (typeof body.sbom !== 'object' || body.sbom === null || Array.isArray(body.sbom))
      throw new AdapterError('the scanner SBOM report has no sbom document');
    const mediaType = typeof body.media_type === 'string' ? body.media_type : want.mediaType;
    if (!(SBOM_MEDIA_TYPES as readonly string[]).includes(mediaType))
      throw new AdapterError(`the scanner sent an SBOM as ${mediaType}, which Berth does not store`);
    return { mediaType, content: Buffer.from(JSON.stringify(body.sbom)) };
  }
}
