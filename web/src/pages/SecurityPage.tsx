/**
 * The security dashboard: findings by severity, fixable against not, the most
 * dangerous CVEs and the most vulnerable artifacts, and every finding with
 * filters (Harbor's security hub: /security/summary and /security/vul).
 */
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { shortDigest } from '../format.ts';
import { messages, type Translate, useT } from '../i18n/index.ts';
import { setQuery } from '../router.tsx';

const catalog = messages(
  {
    title: 'Security',
    scanned: 'Scanned artifacts',
    findings: 'Findings',
    fixable: 'Fixable',
    notFixable: 'Not fixable',
    fixableOf: '{fixable} of {total}',
    bySeverity: 'Findings by severity',
    perDay: 'Findings per scan day',
    perDayLabel: 'findings per scan day',
    dayTitle: '{day}: {findings} findings in {scans} scans',
    noScans: 'No scans yet.',
    dangerousCves: 'Most dangerous CVEs',
    dangerousArtifacts: 'Most vulnerable artifacts',
    critical: '{n} critical',
    high: '{n} high',
    medium: '{n} medium',
    anySeverity: 'Any severity',
    severity: 'Severity',
    package: 'Package',
    vulnerability: 'Vulnerability',
    installed: 'Installed',
    fixedIn: 'Fixed in',
    artifact: 'Artifact',
    Critical: 'Critical',
    High: 'High',
    Medium: 'Medium',
    Low: 'Low',
    Unknown: 'Unknown',
    None: 'None',
  },
  {
    title: '安全',
    scanned: '已扫描的制品',
    findings: '漏洞',
    fixable: '可修复',
    notFixable: '不可修复',
    fixableOf: '{total} 个中 {fixable} 个',
    bySeverity: '按严重程度的漏洞',
    perDay: '每个扫描日的漏洞',
    perDayLabel: '每个扫描日的漏洞',
    dayTitle: '{day}：{scans} 次扫描中 {findings} 个漏洞',
    noScans: '尚无扫描。',
    dangerousCves: '最危险的 CVE',
    dangerousArtifacts: '漏洞最多的制品',
    critical: '{n} 个严重',
    high: '{n} 个高危',
    medium: '{n} 个中危',
    anySeverity: '任意严重程度',
    severity: '严重程度',
    package: '软件包',
    vulnerability: '漏洞',
    installed: '已安装版本',
    fixedIn: '修复版本',
    artifact: '制品',
    Critical: '严重',
    High: '高危',
    Medium: '中危',
    Low: '低危',
    Unknown: '未知',
    None: '无',
  },
);
type Key = keyof (typeof catalog)['en'] & string;
/** A severity as shown (the API's English name is the key). */
const severityName = (t: Translate<Key>, s: string) =>
  (['Critical', 'High', 'Medium', 'Low', 'Unknown', 'None'] as const).includes(s as 'Critical') ? t(s as Key) : s;

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
function Trend(props: { days: NonNullable<Summary['trend']>; t: Translate<Key> }) {
  const { t } = props;
  const max = Math.max(1, ...props.days.map((d) => d.findings));
  // At least 8 slots wide, so one day of scans is a column, not the whole panel.
  const width = Math.max(8, props.days.length) * 40;
  const h = (n: number) => (110 * n) / max;
  return (
    <svg viewBox={`0 0 ${width} 160`} width="100%" style={{ maxHeight: 200 }} role="img" aria-label={t('perDayLabel')}>
      {props.days.map((d, i) => {
        const other = d.findings - d.critical - d.high;
        return (
          <g key={d.day} transform={`translate(${i * 40 + 8} 0)`}>
            <title>{t('dayTitle', { day: d.day, findings: d.findings, scans: d.scans })}</title>
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

function Bars(props: { rows: { label: string; value: number; color: string }[]; label: string }) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <svg viewBox={`0 0 320 ${props.rows.length * 28}`} width="100%" role="img" aria-label={props.label}>
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
  const t = useT(catalog);
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
      <h1>{t('title')}</h1>
      <ErrorBox error={summary.error} onRetry={summary.reload} />
      <div className="cards">
        <div className="card">
          <span className="card-value">{s ? s.scanned_cnt : '…'}</span>
          <span className="card-label">{t('scanned')}</span>
        </div>
        <div className="card">
          <span className="card-value">{s ? s.total_vuls : '…'}</span>
          <span className="card-label">{t('findings')}</span>
        </div>
        <div className="card">
          <span className="card-value">
            {s ? t('fixableOf', { fixable: s.fixable_cnt, total: s.total_vuls }) : '…'}
          </span>
          <span className="card-label">{t('fixable')}</span>
        </div>
      </div>
      <div className="panels">
        <div className="panel">
          <h2>{t('bySeverity')}</h2>
          {s ? (
            <Bars
              label={t('bySeverity')}
              rows={SEVERITIES.map((label) => ({
                label: severityName(t, label),
                value: counts[label] ?? 0,
                color: COLORS[label],
              }))}
            />
          ) : null}
          {s ? (
            <Bars
              label={t('fixable')}
              rows={[
                { label: t('fixable'), value: s.fixable_cnt, color: '#2b6cb0' },
                { label: t('notFixable'), value: s.total_vuls - s.fixable_cnt, color: '#999' },
              ]}
            />
          ) : null}
        </div>
        <div className="panel">
          <h2>{t('perDay')}</h2>
          {s?.trend?.length ? <Trend days={s.trend} t={t} /> : <p className="muted">{t('noScans')}</p>}
        </div>
        <div className="panel">
          <h2>{t('dangerousCves')}</h2>
          <div className="table-wrap">
            <table>
              <tbody>
                {(s?.dangerous_cves ?? []).map((c) => (
                  <tr key={c.cve_id}>
                    <td>
                      <span className="badge" style={{ background: COLORS[c.severity] ?? '#888', color: '#fff' }}>
                        {severityName(t, c.severity)}
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
          <h2>{t('dangerousArtifacts')}</h2>
          <div className="table-wrap">
            <table>
              <tbody>
                {(s?.dangerous_artifacts ?? []).map((a) => (
                  <tr key={a.digest}>
                    <td title={a.digest}>{shortDigest(a.digest)}</td>
                    <td>{t('critical', { n: a.critical_cnt })}</td>
                    <td>{t('high', { n: a.high_cnt })}</td>
                    <td>{t('medium', { n: a.medium_cnt })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
      <h2>{t('findings')}</h2>
      <div className="toolbar">
        <select value={severity} onChange={(e) => setQuery({ severity: e.target.value })} aria-label={t('severity')}>
          <option value="">{t('anySeverity')}</option>
          {SEVERITIES.map((v) => (
            <option key={v} value={v}>
              {severityName(t, v)}
            </option>
          ))}
        </select>
        <input
          placeholder={t('package')}
          aria-label={t('package')}
          defaultValue={pkg}
          onKeyDown={(e) => e.key === 'Enter' && setQuery({ package: (e.target as HTMLInputElement).value })}
        />
      </div>
      <ErrorBox error={vul.error} onRetry={vul.reload} />
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th>{t('severity')}</th>
              <th>{t('vulnerability')}</th>
              <th>{t('package')}</th>
              <th>{t('installed')}</th>
              <th>{t('fixedIn')}</th>
              <th>{t('artifact')}</th>
            </tr>
          </thead>
          <tbody>
            {(vul.data ?? []).map((f) => (
              <tr key={`${f.digest}-${f.cve_id}-${f.package}`}>
                <td>{severityName(t, f.severity)}</td>
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
