/**
 * Issue 23's S3 goal: Berth's uploads and downloads of the big blob as a
 * fraction of what the S3 server itself gives a plain AWS SDK client, in the
 * same run. Each round measures the raw server just before Berth's first
 * upload and again just after its downloads (ceiling, Berth, ceiling); the
 * round's fraction is Berth's figure over the mean of the two, so a change of
 * the machine's load during the round weighs on both sides alike.
 */
import { median } from './lib/stats.ts';

export const S3_GOAL = 0.8;

export interface S3FractionDef {
  key: string;
  label: string;
  /** Which raw figure it is compared with. */
  raw: 'put' | 'get';
}

export const S3_FRACTIONS: S3FractionDef[] = [
  { key: 'mono', label: 'monolithic upload (POST + curl -T PUT)', raw: 'put' },
  { key: 'chunked', label: 'chunked upload (16 MiB PATCHes)', raw: 'put' },
  { key: 'download', label: 'download (curl)', raw: 'get' },
];

const RAW_LABEL = { put: 'AWS SDK multipart PUT', get: 'AWS SDK GET' };

export class S3Fractions {
  /** Per figure: one entry per round. */
  private readonly rounds = new Map<string, { berth: number; raw: number }[]>();

  /** `berth`: this round's figures (MB/s), `raw`: this round's raw measurements (MB/s). */
  addRound(berth: Record<string, number[]>, raw: { put: number[]; get: number[] }): void {
    for (const def of S3_FRACTIONS) {
      const b = berth[def.key] ?? [];
      const r = raw[def.raw];
      if (b.length === 0 || r.length === 0) continue;
      const entry = { berth: median(b), raw: r.reduce((x, y) => x + y, 0) / r.length };
      this.rounds.set(def.key, [...(this.rounds.get(def.key) ?? []), entry]);
    }
  }

  get empty(): boolean {
    return this.rounds.size === 0;
  }

  /** Lines `figure: fraction — met / not met` for the terminal. */
  verdicts(): string[] {
    return S3_FRACTIONS.flatMap((def) => {
      const f = this.fraction(def.key);
      if (f === null) return [];
      return [
        `S3 ceiling: Berth ${def.label} ${f.toFixed(2)}× the raw S3 server (${RAW_LABEL[def.raw]}), goal ≥ ${S3_GOAL}: ${f >= S3_GOAL ? 'met' : 'not met'}`,
      ];
    });
  }

  /** Berth's fraction of the raw server for figure `key`: the median over rounds. */
  fraction(key: string): number | null {
    const rs = this.rounds.get(key);
    return rs?.length ? median(rs.map((r) => r.berth / r.raw)) : null;
  }

  /** The markdown section for RESULTS-s3.md. */
  render(blobMiB: number): string {
    const lines = [
      `## S3 ceiling: Berth against the raw S3 server, ${blobMiB} MiB`,
      '',
      `Berth (auth: off) against the same S3 server driven directly by the AWS SDK from a separate Node process (\`bench/workloads/s3ceiling.ts\`: lib-storage \`Upload\`, 16 MiB parts, 4 at once; a \`GetObject\` streamed to nowhere), measured in the same run: in every round the raw server just before Berth's first upload and again just after its downloads. Fraction = Berth's MB/s over the mean of the round's two raw figures; the median over rounds. Goal (issue 23): ≥ ${S3_GOAL}.`,
      '',
      '| figure | Berth (MB/s) | raw S3 server (MB/s) | Berth / raw | per round | goal | met |',
      '|---|---:|---:|---:|---|---|---|',
    ];
    for (const def of S3_FRACTIONS) {
      const rs = this.rounds.get(def.key);
      const f = this.fraction(def.key);
      if (!rs?.length || f === null) continue;
      lines.push(
        `| ${def.label} vs ${RAW_LABEL[def.raw]} | ${median(rs.map((r) => r.berth)).toFixed(0)} | ${median(rs.map((r) => r.raw)).toFixed(0)} | ${f.toFixed(2)}× | ${rs.map((r) => (r.berth / r.raw).toFixed(2)).join(', ')} | ≥ ${S3_GOAL}× | ${f >= S3_GOAL ? 'yes' : '**no**'} |`,
      );
    }
    lines.push('');
    return lines.join('\n');
  }
}
