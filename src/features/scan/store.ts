/** What the scanner keeps: the imported vulnerability database, reports, project policies, allowlists. */
import type { OsvRecord, Severity } from './osv.ts';

export type { OsvRecord, Severity };

export interface AdvisoryRow {
  /** Ecosystem as the record names it (`Debian:12`, `npm`). */
  ecosystem: string;
  name: string;
  id: string;
  modified: string;
  record: OsvRecord;
}

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

export interface Finding {
  id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: Severity;
  description: string;
  links: string[];
  ecosystem: string;
  path: string;
  aliases: string[];
}

export interface ScanReport {
  digest: string;
  status: ScanStatus;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
  findings: Finding[];
  /** Packages listed (the SBOM's size); the SBOM itself is a referrer of the image. */
  packages: number;
  /** Labels derived from the content (os, arch, runtimes, shell, root). */
  labels: string[];
  /** Database time of the advisories used. */
  dbUpdatedAt: string | null;
  /** The external scanner that made the report; absent: the built-in scanner. */
  scanner?: { name: string; vendor: string; version: string };
}

export interface ScanPolicy {
  preventVulnerable: boolean;
  /** Pulls of images with findings at or above this severity are refused. */
  severity: Severity;
  autoScan: boolean;
}

export interface ScanStore {
  /** Adds or replaces advisories by (id, ecosystem, name); returns how many rows changed. */
  putAdvisories(rows: AdvisoryRow[]): Promise<number>;
  advisories(ecosystemBase: string, name: string): Promise<AdvisoryRow[]>;
  databaseInfo(): Promise<{ byEcosystem: Record<string, number>; records: number; updatedAt: string | null }>;
  saveReport(report: ScanReport): Promise<void>;
  report(digest: string): Promise<ScanReport | null>;
  policy(projectId: number): Promise<ScanPolicy>;
  setPolicy(projectId: number, patch: Partial<ScanPolicy>): Promise<void>;
  /** CVE ids exempted: project 0 is the system list. */
  allowlist(projectId: number): Promise<{ items: string[]; expiresAt: number | null }>;
  setAllowlist(projectId: number, items: string[], expiresAt: number | null): Promise<void>;
  /** Manifests pulled on or after `day` (YYYY-MM-DD), most recent first: the registry's own `pulled_at`. */
  pulledSince(day: string, limit: number): Promise<{ repository: string; digest: string }[]>;
  /** Every stored report (security summary). */
  reports(limit: number): Promise<ScanReport[]>;
}

// ---- external scanners (Harbor's /scanners): registrations, the default, each project's choice.
// The built-in scanner is not stored: it is the default while no row is.

export interface ScannerRow {
  uuid: string;
  name: string;
  description: string;
  url: string;
  /** `Basic`, `Bearer`, `APIKey` or '' (none). */
  auth: string;
  /** The adapter's credential, sealed; '' when none. Never returned by the API. */
  credentialSealed: string;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
  disabled: boolean;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ScannerPatch = Partial<Omit<ScannerRow, 'uuid' | 'createdAt' | 'isDefault'>>;

export interface ScannerStore {
  list(): Promise<ScannerRow[]>;
  get(uuid: string): Promise<ScannerRow | null>;
  /** False when the name is taken. */
  create(row: ScannerRow): Promise<boolean>;
  /** False when the new name is taken by another registration. */
  update(uuid: string, patch: ScannerPatch): Promise<boolean>;
  /** Also forgets the projects that chose it. */
  remove(uuid: string): Promise<void>;
  /** Makes `uuid` the only default; null: none (the built-in scanner is then the default). */
  setDefault(uuid: string | null): Promise<void>;
  /** The registration a project chose; null: the default. */
  projectScanner(projectId: number): Promise<string | null>;
  setProjectScanner(projectId: number, uuid: string | null): Promise<void>;
}
