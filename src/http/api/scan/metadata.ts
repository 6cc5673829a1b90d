/**
 * Harbor's project metadata for scanning — `prevent_vul`, `severity`, `auto_scan` as strings — and the
 * project's `cve_allowlist`, read and written through the project routes (GET/POST/PUT /projects).
 */
import { SEVERITY_ORDER, type Severity } from '../../../features/scan/osv.ts';
import type { ScanService } from '../../../features/scan/service.ts';
import type { ScanPolicy } from '../../../features/scan/store.ts';
import type { ProjectMetadataExtension } from '../access/context.ts';
import { invalidField } from '../errors.ts';

const SWITCHES: Record<string, 'preventVulnerable' | 'autoScan'> = {
  prevent_vul: 'preventVulnerable',
  auto_scan: 'autoScan',
};
/** Harbor's values, lower case; `none` refuses any finding at all. */
const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'];
const CVE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface AllowlistPatch {
  items: string[];
  expiresAt: number | null;
}

export function scanProjectMetadata(scan: ScanService): ProjectMetadataExtension {
  return {
    check(metadata, body) {
      policyPatch(metadata);
      allowlistOf(body ?? {});
    },
    async read(projectId) {
      const p = await scan.store.policy(projectId);
      return {
        prevent_vul: String(p.preventVulnerable),
        severity: p.severity.toLowerCase(),
        auto_scan: String(p.autoScan),
      };
    },
    async write(projectId, metadata, body) {
      const patch = policyPatch(metadata);
      const allowlist = allowlistOf(body ?? {});
      if (Object.keys(patch).length > 0) await scan.setPolicy(projectId, patch);
      if (allowlist) await scan.setAllowlist(projectId, allowlist.items, allowlist.expiresAt);
    },
    async view(projectId) {
      const list = await scan.store.allowlist(projectId);
      return {
        cve_allowlist: {
          id: projectId,
          project_id: projectId,
          expires_at: list.expiresAt,
          items: list.items.map((cve_id) => ({ cve_id })),
        },
      };
    },
  };
}

function policyPatch(metadata: Record<string, unknown>): Partial<ScanPolicy> {
  const patch: Partial<ScanPolicy> = {};
  for (const [field, key] of Object.entries(SWITCHES)) {
    const v = metadata[field];
    if (v === undefined) continue;
    if (v === true || v === 'true') patch[key] = true;
    else if (v === false || v === 'false') patch[key] = false;
    else throw invalidField(`metadata.${field}`, `metadata.${field} must be "true" or "false"`);
  }
  const s = metadata.severity;
  if (s !== undefined) {
    if (typeof s !== 'string' || !SEVERITIES.includes(s.toLowerCase()))
      throw invalidField('metadata.severity', `metadata.severity must be one of ${SEVERITIES.join(', ')}`);
    patch.severity = SEVERITY_ORDER.find((x) => x.toLowerCase() === s.toLowerCase()) as Severity;
  }
  return patch;
}

function allowlistOf(body: Record<string, unknown>): AllowlistPatch | null {
  const v = body.cve_allowlist;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidField('cve_allowlist', 'cve_allowlist must be an object');
  const list = v as { items?: unknown; expires_at?: unknown };
  const expires = list.expires_at ?? null;
  if (expires !== null && (typeof expires !== 'number' || !Number.isInteger(expires) || expires < 0))
    throw invalidField('cve_allowlist.expires_at', 'cve_allowlist.expires_at must be seconds since the epoch');
  const raw = list.items ?? [];
  if (!Array.isArray(raw)) throw invalidField('cve_allowlist.items', 'cve_allowlist.items must be a list');
  const items: string[] = [];
  for (const item of raw) {
    const id = (item as { cve_id?: unknown } | null)?.cve_id;
    if (typeof id !== 'string' || !CVE_ID.test(id))
      throw invalidField('cve_allowlist.items', 'each cve_allowlist item needs a cve_id such as "CVE-2023-1234"');
    items.push(id);
  }
  return { items: [...new Set(items)], expiresAt: expires as number | null };
}
