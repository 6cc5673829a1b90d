/**
 * External scanners registered through Harbor's `/scanners` (adapters speaking
 * the pluggable scanner API v1), and the scanner each project chose. The
 * built-in scanner is not stored: it is the default while no row is.
 */

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
