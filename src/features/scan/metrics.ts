/** Scan metrics in Prometheus text: scans by final status and a duration histogram. Counted in memory, per node. */
const BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class ScanMetrics {
  private readonly byStatus = new Map<string, number>();
  private readonly buckets = new Array<number>(BUCKETS.length + 1).fill(0);
  private seconds = 0;
  private count = 0;
  rescansQueued = 0;

  record(status: string, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.count++;
    this.seconds += seconds;
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
    this.buckets[i]++;
  }

  render(): string {
    const lines = ['# HELP berth_scans_total Image scans finished, by status.', '# TYPE berth_scans_total counter'];
    for (const [status, n] of this.byStatus) lines.push(`berth_scans_total{status="${status}"} ${n}`);
    lines.push(
      '# HELP berth_scan_duration_seconds Time an image scan took.',
      '# TYPE berth_scan_duration_seconds histogram',
    );
    let cumulative = 0;
    BUCKETS.forEach((le, i) => {
      cumulative += this.buckets[i];
      lines.push(`berth_scan_duration_seconds_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`berth_scan_duration_seconds_bucket{le="+Inf"} ${this.count}`);
    lines.push(`berth_scan_duration_seconds_sum ${this.seconds}`);
    lines.push(`berth_scan_duration_seconds_count ${this.count}`);
    lines.push(
      '# HELP berth_scan_rescans_queued_total Rescans queued after a newer vulnerability database was imported.',
      '# TYPE berth_scan_rescans_queued_total counter',
      `berth_scan_rescans_queued_total ${this.rescansQueued}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
