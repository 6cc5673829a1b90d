/**
 * Collects samples per figure and per server, and renders the results table
 * (medians, Berth/Distribution ratio, target, the machine's ceiling).
 */
import { max, median } from './lib/stats.ts';

export type Side = 'berth' | 'distribution';

export interface Target {
  /** 'ratio-min': Berth/Distribution ≥ value; 'ratio-max': ≤ value; 'abs-max': Berth < value; 'zero': Berth total = 0. */
  kind: 'ratio-min' | 'ratio-max' | 'abs-max' | 'zero';
  value: number;
}

export interface FigureDef {
  key: string;
  label: string;
  unit: string;
  digits: number;
  target?: Target;
  /** Ceiling sample keys shown in this row. */
  ceilings?: string[];
  /** 'sum' for counters (errors): show totals over all rounds, not medians. */
  aggregate?: 'median' | 'sum' | 'max';
}

export interface CeilingDef {
  key: string;
  label: string;
}

export class Results {
  readonly samples = new Map<string, Record<Side, number[]>>();
  readonly ceilings = new Map<string, number[]>();

  add(side: Side, key: string, value: number): void {
    let s = this.samples.get(key);
    if (!s) {
      s = { berth: [], distribution: [] };
      this.samples.set(key, s);
    }
    s[side].push(value);
  }

  addCeiling(key: string, value: number): void {
    const c = this.ceilings.get(key) ?? [];
    c.push(value);
    this.ceilings.set(key, c);
  }

  value(key: string, side: Side, aggregate: FigureDef['aggregate'] = 'median'): number {
    const xs = this.samples.get(key)?.[side] ?? [];
    if (aggregate === 'sum') return xs.length ? xs.reduce((a, b) => a + b, 0) : Number.NaN;
    if (aggregate === 'max') return max(xs);
    return median(xs);
  }
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function targetText(t: Target | undefined, unit: string): string {
  if (!t) return '';
  switch (t.kind) {
    case 'ratio-min':
      return `≥ ${t.value}×`;
    case 'ratio-max':
      return `≤ ${t.value}×`;
    case 'abs-max':
      return `< ${t.value} ${unit}`;
    case 'zero':
      return '0';
  }
}

function met(t: Target | undefined, berth: number, ratio: number): string {
  if (!t || !Number.isFinite(berth)) return '';
  switch (t.kind) {
    case 'ratio-min':
      return ratio >= t.value ? 'yes' : '**no**';
    case 'ratio-max':
      return ratio <= t.value ? 'yes' : '**no**';
    case 'abs-max':
      return berth < t.value ? 'yes' : '**no**';
    case 'zero':
      return berth === 0 ? 'yes' : '**no**';
  }
}

/** Ratios of the samples taken back to back (the i-th Berth sample with the i-th Distribution one). */
function pairRatios(r: Results, key: string): number[] {
  const s = r.samples.get(key);
  if (!s || s.berth.length !== s.distribution.length) return [];
  return s.berth.map((b, i) => b / s.distribution[i]).filter((x) => Number.isFinite(x));
}

/** A plain table of medians (no targets or ceilings). */
export function renderPlain(r: Results, figures: FigureDef[], berth = 'Berth'): string {
  const lines = [`| figure | ${berth} | Distribution |`, '|---|---:|---:|'];
  for (const f of figures) {
    if (!r.samples.has(f.key)) continue;
    lines.push(
      `| ${f.label} (${f.unit}) | ${fmt(r.value(f.key, 'berth'), f.digits)} | ${fmt(r.value(f.key, 'distribution'), f.digits)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The markdown table: one row per figure. `s3Share(key)`: Berth's fraction of the raw S3 server for a figure, as the
 * S3 ceiling section computes it (per round, then the median), so that both places quote one figure.
 */
export function renderTable(
  r: Results,
  figures: FigureDef[],
  ceilingDefs: CeilingDef[],
  berth = 'Berth',
  s3Share: (key: string) => number | null = () => null,
): string {
  const cl = new Map(ceilingDefs.map((c) => [c.key, c.label]));
  const lines = [
    `| figure | ${berth} | Distribution | Berth/Dist. | pair ratios | target | met | machine ceiling (same run) |`,
    '|---|---:|---:|---:|---|---|---|---|',
  ];
  for (const f of figures) {
    if (!r.samples.has(f.key)) continue;
    const b = r.value(f.key, 'berth', f.aggregate);
    const d = r.value(f.key, 'distribution', f.aggregate);
    const ratio = b / d;
    const ceil = (f.ceilings ?? [])
      .filter((k) => r.ceilings.has(k))
      .map((k) => {
        const c = median(r.ceilings.get(k) ?? []);
        // The S3 server's own throughput: Berth's figure as a share of it (issue 23's goal: ≥ 0.8).
        const fraction = k.startsWith('s3') ? s3Share(f.key) : null;
        const share = fraction === null ? '' : ` (Berth at ${fmt(fraction, 2)} of it, per round; goal ≥ 0.8)`;
        return `${cl.get(k) ?? k} ${fmt(c, f.digits)}${share}`;
      })
      .join('; ');
    const noRatio = f.target?.kind === 'zero' || f.target?.kind === 'abs-max';
    const ratioText = noRatio ? '' : Number.isFinite(ratio) ? `${fmt(ratio, 2)}×` : '—';
    const pairs = noRatio ? [] : pairRatios(r, f.key);
    const pairText = pairs.length > 1 ? `${fmt(Math.min(...pairs), 2)}–${fmt(Math.max(...pairs), 2)}×` : '';
    lines.push(
      `| ${f.label} (${f.unit}) | ${fmt(b, f.digits)} | ${fmt(d, f.digits)} | ${ratioText} | ${pairText} | ${targetText(f.target, f.unit)} | ${met(f.target, b, ratio)} | ${ceil} |`,
    );
  }
  return lines.join('\n');
}

/** Every sample, for the record. */
export function renderSamples(r: Results, figures: FigureDef[], ceilingDefs: CeilingDef[]): string {
  const lines = ['| figure | Berth samples | Distribution samples |', '|---|---|---|'];
  for (const f of figures) {
    const s = r.samples.get(f.key);
    if (!s) continue;
    const j = (xs: number[]) => xs.map((x) => fmt(x, f.digits)).join(', ');
    lines.push(`| ${f.label} (${f.unit}) | ${j(s.berth)} | ${j(s.distribution)} |`);
  }
  lines.push('', '| ceiling | samples |', '|---|---|');
  for (const c of ceilingDefs) {
    const xs = r.ceilings.get(c.key);
    if (xs) lines.push(`| ${c.label} | ${xs.map((x) => fmt(x, x < 100 ? 1 : 0)).join(', ')} |`);
  }
  return lines.join('\n');
}
