/**
 * A client of Harbor's pluggable scanner API v1 (goharbor/pluggable-scanner-spec):
 * `GET /api/v1/metadata`, `POST /api/v1/scan` (202 with the scan's id) and
 * `GET /api/v1/scan/{id}/report` (302 with Retry-After while the scan runs).
 * Every address is checked against the outbound rule before connecting and
 * again at connect time (its `lookup`), as for webhooks.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OutboundGuard } from '../webhooks/sender.ts';

export const SCAN_REQUEST_MIME = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
export const METADATA_MIME = 'application/vnd.scanner.adapter.metadata+json; version=1.0';
export const VULN_REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

export interface AdapterTarget {
  url: string;
  /** `Basic`, `Bearer`, `APIKey` or ''. */
  auth: string;
  credential: string;
  skipCertVerify: boolean;
}

export interface AdapterMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: { type?: string; consumes_mime_types: string[]; produces_mime_types: string[] }[];
  properties: Record<string, string>;
}

export interface ScanRequest {
  registry: { url: string; authorization: string };
  artifact: { repository: string; digest: string; tag: string; mime_type: string };
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

  private async call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
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
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER) res.destroy(new AdapterError('the scanner answered more than 64 MiB'));
            else chunks.push(c);
          });
          res.on('error', (err) => reject(err instanceof AdapterError ? err : new AdapterError(err.message)));
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
      r.on('error', (err) =>
        reject(err instanceof AdapterError ? err : new AdapterError(`cannot reach the scanner: ${err.message}`)),
      );
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
  async submit(request: ScanRequest): Promise<string> {
    const a = await this.call(
      'POST',
      'api/v1/scan',
      { 'content-type': SCAN_REQUEST_MIME, accept: 'application/vnd.scanner.adapter.scan.response+json; version=1.0' },
      JSON.stringify(request),
    );
    if (a.status !== 202 && a.status !== 200) throw ScannerAdapterClient.problem(a);
    const id = ScannerAdapterClient.json<{ id?: unknown }>(a).id;
    if (typeof id !== 'string' || id === '') throw new AdapterError('the scanner accepted the scan but gave no id');
    return id;
  }

  /** The report, or how many seconds to wait before asking again. */
  async report(id: string): Promise<{ retryAfter: number } | { vulnerabilities: AdapterVulnerability[] }> {
    const a = await this.call('GET', `api/v1/scan/${encodeURIComponent(id)}/report`, { accept: VULN_REPORT_MIME });
    if (a.status === 302) {
      const after = Number(a.headers['retry-after']);
      return { retryAfter: Number.isFinite(after) && after >= 0 ? after : 1 };
    }
    if (a.status !== 200) throw ScannerAdapterClient.problem(a);
    const body = ScannerAdapterClient.json<{ vulnerabilities?: unknown }>(a);
    if (body.vulnerabilities !== undefined && body.vulnerabilities !== null && !Array.isArray(body.vulnerabilities))
      throw new AdapterError('the scanner report has no vulnerabilities list');
    return { vulnerabilities: (body.vulnerabilities ?? []) as AdapterVulnerability[] };
  }
}
