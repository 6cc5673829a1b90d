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
  const summary = useApi<Summary>('/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true');
  const vul = useApi<Finding[]>(
    `/security/vul?page=1&page_size=50${severity ? `&severity=${encodeURIComponent(severity)}` : ''}${pkg ? `&package=${encodeURIComponent(pkg)}` : ''}`,
  );
  const s = summary.data;
  const counts: Record<string, number> = s
    ? { Critical: s.critical_cnt, High: s.high_cnt, Medium: s.medium_cnt, Low: s.low_cnt, Unknown: s.unknown_cnt }
    : {};
  return (
    <section>
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
          <h2>Most dangerous CVEs</h2>
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
        <div className="panel">
          <h2>Most vulnerable artifacts</h2>
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
    </section>
  );
}
