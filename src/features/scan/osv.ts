/**
 * OSV records (https://ossf.github.io/osv-schema/) as an offline database:
 * validation on import, and "is this package version affected" with the
 * ecosystem's own version ordering.
 */
import { comparatorFor } from './versions.ts';

export type Severity = 'Critical' | 'High' | 'Medium' | 'Low' | 'None' | 'Unknown';
export const SEVERITY_ORDER: Severity[] = ['None', 'Unknown', 'Low', 'Medium', 'High', 'Critical'];

export interface OsvRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
  events: { introduced?: string; fixed?: string; last_affected?: string; limit?: string }[];
}

export interface OsvAffected {
  package: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  database_specific?: Record<string, unknown>;
}

/** Why a record is refused on import; null when it is usable. */
export function osvProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Partial<OsvRecord>;
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 200) return 'id missing or invalid';
  if (typeof r.modified !== 'string' || Number.isNaN(Date.parse(r.modified)))
    return `${r.id}: modified missing or invalid`;
  if (r.affected !== undefined && !Array.isArray(r.affected)) return `${r.id}: affected must be a list`;
  for (const a of r.affected ?? []) {
    if (typeof a?.package?.ecosystem !== 'string' || typeof a.package.name !== 'string')
      return `${r.id}: affected[].package needs ecosystem and name`;
    if (a.ranges !== undefined && !Array.isArray(a.ranges)) return `${r.id}: ranges must be a list`;
    if (a.versions !== undefined && !Array.isArray(a.versions)) return `${r.id}: versions must be a list`;
  }
  return null;
}

/** The fix version named by the range that covers `version`, if any. */
function inRange(
  range: OsvRange,
  version: string,
  compare: (a: string, b: string) => number,
): { hit: boolean; fixed?: string } {
  if (range.type === 'GIT') return { hit: false };
  // Events sorted by version; "0" introduces from the beginning.
  let affected = false;
  let fixed: string | undefined;
  const events = [...range.events].sort((a, b) => {
    const va = a.introduced ?? a.fixed ?? a.last_affected ?? a.limit ?? '0';
    const vb = b.introduced ?? b.fixed ?? b.last_affected ?? b.limit ?? '0';
    if (va === '0') return -1;
    if (vb === '0') return 1;
    return compare(va, vb);
  });
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (e.introduced === '0' || compare(version, e.introduced) >= 0) {
        affected = true;
        fixed = undefined;
      }
    } else if (e.fixed !== undefined) {
      if (compare(version, e.fixed) >= 0) affected = false;
      else if (affected) {
        fixed = e.fixed;
        return { hit: true, fixed };
      }
    } else if (e.last_affected !== undefined) {
      if (compare(version, e.last_affected) > 0) affected = false;
      else if (affected) return { hit: true };
    } else if (e.limit !== undefined) {
      if (compare(version, e.limit) >= 0) affected = false;
    }
  }
  return { hit: affected, fixed };
}

export function affects(affected: OsvAffected, version: string): { hit: boolean; fixed?: string } {
  if (affected.versions?.includes(version)) {
    const fixed = affected.ranges?.flatMap((r) => r.events.map((e) => e.fixed)).find((f) => f !== undefined);
    return { hit: true, fixed };
  }
  const compare = comparatorFor(affected.package.ecosystem);
  for (const range of affected.ranges ?? []) {
    const r = inRange(range, version, compare);
    if (r.hit) return r;
  }
  return { hit: false };
}

/** CVSS v3 base score from a vector (the OSV `severity[].score` of type CVSS_V3). */
export function cvss3Score(vector: string): number | null {
  const m = Object.fromEntries(
    vector
      .split('/')
      .slice(1)
      .map((p) => p.split(':') as [string, string]),
  );
  const W: Record<string, Record<string, number>> = {
    AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
    AC: { L: 0.77, H: 0.44 },
    UI: { N: 0.85, R: 0.62 },
    C: { H: 0.56, L: 0.22, N: 0 },
    I: { H: 0.56, L: 0.22, N: 0 },
    A: { H: 0.56, L: 0.22, N: 0 },
  };
  const changed = m.S === 'C';
  const pr = { N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }[m.PR as 'N' | 'L' | 'H'];
  const [av, ac, ui, c, i, a] = [W.AV[m.AV], W.AC[m.AC], W.UI[m.UI], W.C[m.C], W.I[m.I], W.A[m.A]];
  if ([av, ac, ui, c, i, a, pr].some((x) => x === undefined)) return null;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploit = 8.22 * av * ac * pr * ui;
  const roundUp = (x: number) => Math.ceil(x * 10 - 1e-9) / 10;
  return roundUp(Math.min(changed ? 1.08 * (impact + exploit) : impact + exploit, 10));
}

export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'None';
}

/** The record's severity: the database's own word when it gives one, else its CVSS v3 score. */
export function severityOf(record: OsvRecord, affected?: OsvAffected): Severity {
  const words = [
    affected?.ecosystem_specific?.severity,
    affected?.database_specific?.severity,
    record.database_specific?.severity,
  ];
  for (const w of words) {
    if (typeof w !== 'string') continue;
    const norm = w.toLowerCase();
    if (norm === 'critical') return 'Critical';
    if (norm === 'high' || norm === 'important') return 'High';
    if (norm === 'medium' || norm === 'moderate') return 'Medium';
    if (norm === 'low' || norm === 'negligible' || norm === 'unimportant') return 'Low';
  }
  for (const s of record.severity ?? []) {
    if (s.type === 'CVSS_V3' || s.type === 'CVSS_V3.1') {
      const score = cvss3Score(s.score);
      if (score !== null) return severityOfScore(score);
    }
  }
  return 'Unknown';
}
