/**
 * The security dashboard: findings by severity, fixable against not, the most
 * dangerous CVEs and the most vulnerable artifacts, and every finding with
 * filters (Harbor's security hub: /security/summary and /security/vul).
 */
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { shortDigest } from '../format.ts';
import { setQuery } from '../router.tsx';

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Unknown'] as const;
const COLORS: Record<string, string> = {
  Critical: '#8b0000',
  High: '#d9480f',
  Medium: '#e8a300',
  Low: '#4c8c2b',
  Unknown: '#888',
};

interface Summary {
  critical_cnt: number;
  high_cnt: number;
  medium_cnt: number;
  low_cnt: number;
  unknown_cnt: number;
  total_vuls: number;
  fixable_cnt: number;
  scanned_cnt: number;
  dangerous_cves?: { cve_id: string; severity: string; package: string; version: string; count: number }[];
  dangerous_artifacts?: { digest: string; critical_cnt: number; high_cnt: number; medium_cnt: number }[];
  trend?: { day: string; scans: number; findings: number; critical: number; high: number }[];
}

/** Findings per scan day: stacked critical/high/other columns, one per day with scans. */
function Trend(props: { days: NonNullable<Summary['trend']> }) {
  const max = Math.max(1, ...props.days.map((d) => d.findings));
  // At least 8 slots wide, so one day of scans is a column, not the whole panel.
  const width = Math.max(8, props.days.length) * 40;
  const h = (n: number) => (110 * n) / max;
  return (
    <svg
      viewBox={`0 0 ${width} 160`}
      width="100%"
      style={{ maxHeight: 200 }}
      role="img"
      aria-label="findings per scan day"
    >
      {props.days.map((d, i) => {
        const other = d.findings - d.critical - d.high;
        return (
          <g key={d.day} transform={`translate(${i * 40 + 8} 0)`}>
            <title>{`${d.day}: ${d.findings} findings in ${d.scans} scans`}</title>
            <rect x="0" y={135 - h(d.findings)} width="24" height={h(other)} fill="#e8a300" />
            <rect x="0" y={135 - h(d.critical + d.high)} width="24" height={h(d.high)} fill={COLORS.High} />
            <rect x="0" y={135 - h(d.critical)} width="24" height={h(d.critical)} fill={COLORS.Critical} />
            <text x="12" y={130 - h(d.findings)} fontSize="11" textAnchor="middle">
              {d.findings}
            </text>
            <text x="12" y="152" fontSize="9" textAnchor="middle">
              {d.day.slice(5)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

interface Finding {
  digest: string;
  cve_id: string;
  package: string;
  version: string;
  fixed_version: string;
  severity: string;
  desc: string;
  links: string[];
}

function Bars(props: { rows: { label: string; value: number; color: string }[] }) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <svg viewBox={`0 0 320 ${props.rows.length * 28}`} width="100%" role="img" aria-label="findings by severity">
      {props.rows.map((r, i) => (
        <g key={r.label} transform={`translate(0 ${i * 28})`}>
          <text x="0" y="17" fontSize="12">
            {r.label}
          </text>
          <rect x="80" y="4" height="18" width={(200 * r.value) / max} fill={r.color} rx="2" />
          <text x={86 + (200 * r.value) / max} y="17" fontSize="12">
            {r.value}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function SecurityPage(props: { search: URLSearchParams }) {
  const severity = props.search.get('severity') ?? '';
  const pkg = props.search.get('package') ?? '';
  const summary = useApi<Summary>(
    '/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true&with_trend=true',
  );
  const vul = useApi<Finding[]>(
    `/security/vul?page=1&page_size=50${severity ? `&severity=${encodeURIComponent(severity)}` : ''}${pkg ? `&package=${encodeURIComponent(pkg)}` : ''}`,
  );
  const s = summary.data;
  const counts: Record<string, number> = s
    ? { Critical: s.critical_cnt, High: s.high_cnt, Medium: s.medium_cnt, Low: s.low_cnt, Unknown: s.unknown_cnt }
    : {};
  return (
    <section className="security">
      <h1>Security</h1>
      <ErrorBox error={summary.error} onRetry={summary.reload} />
      <div className="cards">
        <div className="card">
          <span className="card-value">{s ? s.scanned_cnt : '…'}</span>
          <span className="card-label">Scanned artifacts</span>
        </div>
        <div className="card">
          <span className="card-value">{s ? s.total_vuls : '…'}</span>
          <span className="card-label">Findings</span>
        </div>
        <div className="card">
          <span className="card-value">{s ? `${s.fixable_cnt} of ${s.total_vuls}` : '…'}</span>
          <span className="card-label">Fixable</span>
        </div>
      </div>
      <div className="panels">
        <div className="panel">
          <h2>Findings by severity</h2>
          {s ? (
            <Bars rows={SEVERITIES.map((label) => ({ label, value: counts[label] ?? 0, color: COLORS[label] }))} />
          ) : null}
          {s ? (
            <Bars
              rows={[
                { label: 'Fixable', value: s.fixable_cnt, color: '#2b6cb0' },
                { label: 'Not fixable', value: s.total_vuls - s.fixable_cnt, color: '#999' },
              ]}
            />
          ) : null}
        </div>
        <div className="panel">
          <h2>Findings per scan day</h2>
          {s?.trend?.length ? <Trend days={s.trend} /> : <p className="muted">No scans yet.</p>}
        </div>
        <div className="panel">
          <h2>Most dangerous CVEs</h2>
          <div className="table-wrap">
            <table>
              <tbody>
                {(s?.dangerous_cves ?? []).map((c) => (
                  <tr key={c.cve_id}>
                    <td>
                      <span className="badge" style={{ background: COLORS[c.severity] ?? '#888', color: '#fff' }}>
                        {c.severity}
                      </span>
                    </td>
                    <td>{c.cve_id}</td>
                    <td>
                      {c.package} {c.version}
                    </td>
                    <td>{c.count}×</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <div className="panel">
          <h2>Most vulnerable artifacts</h2>
          <div className="table-wrap">
            <table>
              <tbody>
                {(s?.dangerous_artifacts ?? []).map((a) => (
                  <tr key={a.digest}>
                    <td title={a.digest}>{shortDigest(a.digest)}</td>
                    <td>{a.critical_cnt} critical</td>
                    <td>{a.high_cnt} high</td>
                    <td>{a.medium_cnt} medium</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
      <h2>Findings</h2>
      <div className="toolbar">
        <select value={severity} onChange={(e) => setQuery({ severity: e.target.value })} aria-label="severity">
          <option value="">Any severity</option>
          {SEVERITIES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <input
          placeholder="Package"
          defaultValue={pkg}
          onKeyDown={(e) => e.key === 'Enter' && setQuery({ package: (e.target as HTMLInputElement).value })}
        />
      </div>
      <ErrorBox error={vul.error} onRetry={vul.reload} />
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Vulnerability</th>
              <th>Package</th>
              <th>Installed</th>
              <th>Fixed in</th>
              <th>Artifact</th>
            </tr>
          </thead>
          <tbody>
            {(vul.data ?? []).map((f) => (
              <tr key={`${f.digest}-${f.cve_id}-${f.package}`}>
                <td>{f.severity}</td>
                <td title={f.desc}>{f.links[0] ? <a href={f.links[0]}>{f.cve_id}</a> : f.cve_id}</td>
                <td>{f.package}</td>
                <td>{f.version}</td>
                <td>{f.fixed_version || '—'}</td>
                <td title={f.digest}>{shortDigest(f.digest)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
