/**
 * Scanner registrations (Harbor's `/scanners`): the built-in offline scanner,
 * always present and the default unless another is chosen, and external
 * adapters of the pluggable scanner API. Credentials are sealed; a scan by an
 * adapter hands it a short-lived pull-only credential for the one artifact.
 */
import { randomUUID } from 'node:crypto';
import { projectOf } from '../../core/names.ts';
import type { Sealer } from '../kube/secretbox.ts';
import type { OutboundGuard } from '../webhooks/sender.ts';
import {
  type AdapterMetadata,
  type AdapterSbom,
  type AdapterTarget,
  type AdapterVulnerability,
  type SbomCapability,
  ScannerAdapterClient,
  type ScanRequest,
  sbomCapability,
  VULN_REPORT_MIME,
} from './adapter-client.ts';
import { SEVERITY_ORDER, type Severity } from './osv.ts';
import type { Finding, ScannerRow, ScannerStore } from './store.ts';

export const BUILT_IN_SCANNER_ID = 'berth-builtin';
export const BUILT_IN = { name: 'Berth', vendor: 'Berth', version: '1.0' };
const AUTH_KINDS = new Set(['', 'Basic', 'Bearer', 'APIKey']);
const sealContext = 'scanner/credential';

/** Bad input (the HTTP edge answers 400), a name taken (409) or a missing registration (404). */
export class ScannerInputError extends Error {}
export class ScannerConflictError extends Error {}
export class ScannerNotFoundError extends Error {}

export interface ScannerInput {
  name: string;
  description?: string;
  url: string;
  auth?: string;
  access_credential?: string;
  skip_certVerify?: boolean;
  use_internal_addr?: boolean;
  disabled?: boolean;
}

/** A registration as the API shows it: never the credential. */
export interface ScannerView {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  create_time: string;
  update_time: string;
}

/** What a scan by an external adapter needs from the rest of the server. */
export interface ScannerRegistryOptions {
  store: ScannerStore;
  box: Sealer;
  outbound: OutboundGuard;
  projectId(name: string): Promise<number | null>;
  /** The address adapters pull from (Berth's /v2), known once the server listens. */
  registryUrl(): string;
  /** An Authorization header value that may pull `repository` only, for a few minutes ('' when auth is off). */
  pullCredential(repository: string): Promise<string>;
  /** How long one external scan may take, in ms (default 10 minutes). */
  scanTimeoutMs?: number;
  /** Longest wait between report polls, in ms (default 5 s). */
  maxPollMs?: number;
}

/** What an adapter's scan gave: its findings and, from an adapter with the `sbom` capability, the SBOM. */
export interface ExternalResult {
  findings: Finding[];
  sbom: AdapterSbom | null;
  /** Why the SBOM is missing though the adapter offers one (the findings still count). */
  sbomError: string | null;
}

/** One scan to run by an external adapter; aborting `signal` stops waiting for it at once. */
export interface ExternalScan {
  scanner: { name: string; vendor: string; version: string };
  run(
    artifact: { repository: string; digest: string; tag: string; mimeType: string },
    signal?: AbortSignal,
  ): Promise<ExternalResult>;
}

/** Waits `ms`, or less when `signal` is aborted (then rejects with its reason). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', done);
      resolve();
    }, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const STARTED = new Date().toISOString();

function severity(s: string | undefined): Severity {
  const name = (s ?? '').charAt(0).toUpperCase() + (s ?? '').slice(1).toLowerCase();
  return (SEVERITY_ORDER as string[]).includes(name) ? (name as Severity) : 'Unknown';
}

export function findingOf(v: AdapterVulnerability): Finding {
  return {
    id: String(v.id ?? ''),
    package: String(v.package ?? ''),
    version: String(v.version ?? ''),
    fix_version: typeof v.fix_version === 'string' ? v.fix_version : '',
    severity: severity(v.severity),
    description: typeof v.description === 'string' ? v.description.slice(0, 2000) : '',
    links: Array.isArray(v.links) ? v.links.filter((l) => typeof l === 'string').slice(0, 10) : [],
    ecosystem: '',
    path: '',
    aliases: [],
  };
}

export class ScannerRegistry {
  constructor(private readonly o: ScannerRegistryOptions) {}

  builtIn(isDefault: boolean): ScannerView {
    return {
      uuid: BUILT_IN_SCANNER_ID,
      name: BUILT_IN.name,
      description: 'Built-in offline scanner: an imported OSV database, no network at scan time',
      url: 'builtin://berth',
      disabled: false,
      is_default: isDefault,
      auth: '',
      skip_certVerify: false,
      use_internal_addr: true,
      create_time: STARTED,
      update_time: STARTED,
    };
  }

  private view(r: ScannerRow): ScannerView {
    return {
      uuid: r.uuid,
      name: r.name,
      description: r.description,
      url: r.url,
      disabled: r.disabled,
      is_default: r.isDefault,
      auth: r.auth,
      skip_certVerify: r.skipCertVerify,
      use_internal_addr: r.useInternalAddr,
      create_time: r.createdAt,
      update_time: r.updatedAt,
    };
  }

  async list(): Promise<ScannerView[]> {
    const rows = await this.o.store.list();
    return [this.builtIn(!rows.some((r) => r.isDefault)), ...rows.map((r) => this.view(r))];
  }

  async get(uuid: string): Promise<ScannerView> {
    if (uuid === BUILT_IN_SCANNER_ID) return this.builtIn(!(await this.o.store.list()).some((r) => r.isDefault));
    return this.view(await this.row(uuid));
  }

  private async row(uuid: string): Promise<ScannerRow> {
    const row = await this.o.store.get(uuid);
    if (!row) throw new ScannerNotFoundError(`scanner ${uuid} does not exist`);
    return row;
  }

  private async checkTarget(url: string, auth: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ScannerInputError(`url: "${url}" is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ScannerInputError('url: must be an http or https address');
    if (!AUTH_KINDS.has(auth)) throw new ScannerInputError('auth: must be "", "Basic", "Bearer" or "APIKey"');
    try {
      await this.o.outbound.assertAllowed(parsed);
    } catch (err) {
      throw new ScannerInputError(`url: ${(err as Error).message}`);
    }
  }

  async create(input: ScannerInput): Promise<string> {
    const auth = input.auth ?? '';
    await this.checkTarget(input.url, auth);
    const now = new Date().toISOString();
    const uuid = randomUUID();
    const ok = await this.o.store.create({
      uuid,
      name: input.name,
      description: input.description ?? '',
      url: input.url.replace(/\/+$/, ''),
      auth,
      credentialSealed: auth && input.access_credential ? this.o.box.encrypt(input.access_credential, sealContext) : '',
      skipCertVerify: input.skip_certVerify ?? false,
      useInternalAddr: input.use_internal_addr ?? false,
      disabled: input.disabled ?? false,
      isDefault: false,
      createdAt: now,
      updatedAt: now,
    });
    if (!ok) throw new ScannerConflictError(`a scanner named ${input.name} already exists`);
    return uuid;
  }

  /** Harbor's PUT: an omitted or empty credential keeps the stored one while `auth` still needs one. */
  async update(uuid: string, input: ScannerInput): Promise<void> {
    if (uuid === BUILT_IN_SCANNER_ID) throw new ScannerInputError('the built-in scanner cannot be changed');
    const old = await this.row(uuid);
    const auth = input.auth ?? '';
    await this.checkTarget(input.url, auth);
    const credentialSealed = !auth
      ? ''
      : input.access_credential
        ? this.o.box.encrypt(input.access_credential, sealContext)
        : old.credentialSealed;
    const ok = await this.o.store.update(uuid, {
      name: input.name,
      description: input.description ?? '',
      url: input.url.replace(/\/+$/, ''),
      auth,
      credentialSealed,
      skipCertVerify: input.skip_certVerify ?? false,
      useInternalAddr: input.use_internal_addr ?? false,
      disabled: input.disabled ?? false,
      updatedAt: new Date().toISOString(),
    });
    if (!ok) throw new ScannerConflictError(`a scanner named ${input.name} already exists`);
  }

  async remove(uuid: string): Promise<ScannerView> {
    if (uuid === BUILT_IN_SCANNER_ID) throw new ScannerInputError('the built-in scanner cannot be removed');
    const row = await this.row(uuid);
    await this.o.store.remove(uuid);
    return this.view(row);
  }

  async setDefault(uuid: string): Promise<void> {
    if (uuid === BUILT_IN_SCANNER_ID) return this.o.store.setDefault(null);
    const row = await this.row(uuid);
    if (row.disabled) throw new ScannerInputError('a disabled scanner cannot be the default');
    await this.o.store.setDefault(uuid);
  }

  private target(r: ScannerRow): AdapterTarget {
    return {
      url: r.url,
      auth: r.auth,
      credential: r.credentialSealed ? this.o.box.decrypt(r.credentialSealed, sealContext) : '',
      skipCertVerify: r.skipCertVerify,
    };
  }

  private client(target: AdapterTarget, timeoutMs?: number): ScannerAdapterClient {
    return new ScannerAdapterClient(target, this.o.outbound, timeoutMs);
  }

  /** Harbor's `POST /scanners/ping`: the adapter's metadata, or why it cannot be reached. */
  async ping(input: { url: string; auth?: string; access_credential?: string }): Promise<AdapterMetadata> {
    const auth = input.auth ?? '';
    await this.checkTarget(input.url, auth);
    return this.client(
      { url: input.url, auth, credential: input.access_credential ?? '', skipCertVerify: false },
      10_000,
    ).metadata();
  }

  async metadata(uuid: string): Promise<AdapterMetadata> {
    if (uuid === BUILT_IN_SCANNER_ID)
      return {
        scanner: BUILT_IN,
        capabilities: [
          {
            type: 'vulnerability',
            consumes_mime_types: [
              'application/vnd.oci.image.manifest.v1+json',
              'application/vnd.docker.distribution.manifest.v2+json',
            ],
            produces_mime_types: [VULN_REPORT_MIME],
          },
        ],
        properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
      };
    return this.client(this.target(await this.row(uuid)), 10_000).metadata();
  }

  /** The registration a project uses: its own choice, else the default (the built-in when none). */
  async ofProject(projectId: number): Promise<ScannerView> {
    const chosen = await this.o.store.projectScanner(projectId);
    const rows = await this.o.store.list();
    const def = rows.find((r) => r.isDefault);
    if (chosen === BUILT_IN_SCANNER_ID) return this.builtIn(!def);
    const row = chosen ? rows.find((r) => r.uuid === chosen) : undefined;
    if (row) return this.view(row);
    return def ? this.view(def) : this.builtIn(true);
  }

  async setProjectScanner(projectId: number, uuid: string): Promise<void> {
    if (uuid !== BUILT_IN_SCANNER_ID) await this.row(uuid);
    await this.o.store.setProjectScanner(projectId, uuid);
  }

  /** The external scan for an artifact of `repository`, or null when the built-in scanner does it. */
  async externalFor(repository: string): Promise<ExternalScan | null> {
    const projectId = await this.o.projectId(projectOf(repository));
    const chosen = projectId === null ? null : await this.ofProject(projectId);
    if (!chosen || chosen.uuid === BUILT_IN_SCANNER_ID) return null;
    const row = await this.row(chosen.uuid);
    if (row.disabled) throw new Error(`scanner ${row.name} is disabled`);
    const client = this.client(this.target(row));
    const meta = await client.metadata();
    const sbom = sbomCapability(meta);
    return { scanner: meta.scanner, run: (artifact, signal) => this.runOn(client, artifact, sbom, signal) };
  }

  private async runOn(
    client: ScannerAdapterClient,
    artifact: { repository: string; digest: string; tag: string; mimeType: string },
    sbom: SbomCapability | null,
    signal?: AbortSignal,
  ): Promise<ExternalResult> {
    const request: ScanRequest = {
      registry: { url: this.o.registryUrl(), authorization: await this.o.pullCredential(artifact.repository) },
      artifact: {
        repository: artifact.repository,
        digest: artifact.digest,
        tag: artifact.tag,
        mime_type: artifact.mimeType,
      },
    };
    // Asked only of an adapter that offers an SBOM: older adapters get the v1.0 request they know.
    if (sbom)
      request.enabled_capabilities = [
        { type: 'vulnerability', produces_mime_types: [VULN_REPORT_MIME] },
        { type: 'sbom', produces_mime_types: [sbom.reportMime], parameters: { sbom_media_types: [sbom.mediaType] } },
      ];
    const id = await client.submit(request, signal);
    const deadline = Date.now() + (this.o.scanTimeoutMs ?? 600_000);
    const waitFor = async <T extends object>(ask: () => Promise<{ retryAfter: number } | T>): Promise<T> => {
      for (;;) {
        const answer = await ask();
        if (!('retryAfter' in answer)) return answer;
        if (Date.now() > deadline) throw new Error('the scanner did not finish the scan in time');
        const wait = Math.min(answer.retryAfter * 1000, this.o.maxPollMs ?? 5_000);
        await pause(Math.max(wait, 50), signal);
      }
    };
    const report = await waitFor(() => client.report(id, signal));
    const findings = report.vulnerabilities.map(findingOf);
    if (!sbom) return { findings, sbom: null, sbomError: null };
    try {
      return { findings, sbom: await waitFor(() => client.sbom(id, sbom, signal)), sbomError: null };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { findings, sbom: null, sbomError: (err as Error).message };
    }
  }
}
