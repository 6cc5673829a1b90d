/**
 * An artifact's scan: its status, the labels derived from its content, and
 * every finding with severity and package filters (Harbor's
 * additions/vulnerabilities), plus a button to scan it (again).
 */
import { useState } from 'react';
import { request } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';

const REPORT = 'application/vnd.security.vulnerability.report; version=1.1';
const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Unknown'];

interface Vulnerability {
  id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: string;
  description: string;
  links: string[];
}

interface Report {
  scan_status: string;
  vulnerabilities: Vulnerability[];
  labels?: string[];
}

export function ArtifactVulnerabilities(props: { base: string }) {
  const report = useApi<Record<string, Report>>(`${props.base}/additions/vulnerabilities`);
  const [severity, setSeverity] = useState('');
  const [pkg, setPkg] = useState('');
  const [fixableOnly, setFixableOnly] = useState(false);
  const [scanError, setScanError] = useState<unknown>(null);
  const r = report.data?.[REPORT];
  const scan = async () => {
    setScanError(null);
    try {
      await request(`${props.base}/scan`, { method: 'POST' });
      setTimeout(report.reload, 1000);
    } catch (err) {
      setScanError(err);
    }
  };
  const rows = (r?.vulnerabilities ?? []).filter(
    (v) =>
      (!severity || v.severity === severity) &&
      (!pkg || v.package.toLowerCase().includes(pkg.toLowerCase())) &&
      (!fixableOnly || v.fix_version !== ''),
  );
  const notScanned = (report.error as { status?: number } | null)?.status === 404;
  return (
    <div className="panel vulnerabilities">
      <div className="title-row">
        <h2>Vulnerabilities</h2>
        <button type="button" onClick={scan}>
          {r ? 'Scan again' : 'Scan'}
        </button>
      </div>
      <ErrorBox error={scanError} />
      {notScanned ? (
        <p className="muted">Not scanned yet.</p>
      ) : (
        <ErrorBox error={report.error} onRetry={report.reload} />
      )}
      {r ? (
        <>
          <p>
            Status: <strong>{r.scan_status}</strong> · {r.vulnerabilities.length} findings
            {r.labels?.length ? (
              <>
                {' '}
                · derived labels:{' '}
                {r.labels.map((l) => (
                  <span key={l} className="badge derived" title="derived from the image content">
                    {l}
                  </span>
                ))}
              </>
            ) : null}
          </p>
          <div className="toolbar">
            <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label="severity">
              <option value="">Any severity</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            <input placeholder="Package" value={pkg} onChange={(e) => setPkg(e.target.value)} aria-label="package" />
            <label>
              <input type="checkbox" checked={fixableOnly} onChange={(e) => setFixableOnly(e.target.checked)} /> Fixable
              only
            </label>
          </div>
          <div className="table-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th>Severity</th>
                  <th>Vulnerability</th>
                  <th>Package</th>
                  <th>Installed</th>
                  <th>Fixed in</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((v) => (
                  <tr key={`${v.id}-${v.package}-${v.version}`}>
                    <td>{v.severity}</td>
                    <td title={v.description}>{v.links[0] ? <a href={v.links[0]}>{v.id}</a> : v.id}</td>
                    <td>{v.package}</td>
                    <td>{v.version}</td>
                    <td>{v.fix_version || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
