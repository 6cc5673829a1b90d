/**
 * An artifact's scan: its status, the labels derived from its content, and
 * every finding with severity and package filters (Harbor's
 * additions/vulnerabilities), plus a button to scan it (again).
 */
import { useState } from 'react';
import { request } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    title: 'Vulnerabilities',
    scan: 'Scan',
    scanAgain: 'Scan again',
    notScanned: 'Not scanned yet.',
    status: 'Status',
    findings: '{n} findings',
    derivedLabels: 'derived labels',
    derivedTitle: 'derived from the image content',
    anySeverity: 'Any severity',
    severity: 'Severity',
    package: 'Package',
    fixableOnly: 'Fixable only',
    vulnerability: 'Vulnerability',
    installed: 'Installed',
    fixedIn: 'Fixed in',
    Critical: 'Critical',
    High: 'High',
    Medium: 'Medium',
    Low: 'Low',
    Unknown: 'Unknown',
    None: 'None',
    Success: 'Success',
    Error: 'Error',
    Running: 'Running',
    Pending: 'Pending',
    Stopped: 'Stopped',
  },
  {
    title: '漏洞',
    scan: '扫描',
    scanAgain: '重新扫描',
    notScanned: '尚未扫描。',
    status: '状态',
    findings: '{n} 个漏洞',
    derivedLabels: '派生标签',
    derivedTitle: '由镜像内容派生',
    anySeverity: '任意严重程度',
    severity: '严重程度',
    package: '软件包',
    fixableOnly: '仅可修复',
    vulnerability: '漏洞',
    installed: '已安装版本',
    fixedIn: '修复版本',
    Critical: '严重',
    High: '高危',
    Medium: '中危',
    Low: '低危',
    Unknown: '未知',
    None: '无',
    Success: '成功',
    Error: '错误',
    Running: '运行中',
    Pending: '等待中',
    Stopped: '已停止',
  },
);
type Key = keyof (typeof catalog)['en'] & string;
/** An API word (severity, scan status) as shown; unknown words as they came. */
const shown = (t: (k: Key) => string, word: string) => (word in catalog.en ? t(word as Key) : word);

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

/** `canScan`: developers and up may start a scan (Harbor's rule); visitors and guests only read. */
export function ArtifactVulnerabilities(props: { base: string; canScan: boolean }) {
  const t = useT(catalog);
  const action = useAction();
  const report = useApi<Record<string, Report>>(`${props.base}/additions/vulnerabilities`);
  const [severity, setSeverity] = useState('');
  const [pkg, setPkg] = useState('');
  const [fixableOnly, setFixableOnly] = useState(false);
  const r = report.data?.[REPORT];
  const scan = () =>
    action.run(async () => {
      await request(`${props.base}/scan`, { method: 'POST' });
      setTimeout(report.reload, 1000);
    });
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
        <h2>{t('title')}</h2>
        {props.canScan ? (
          <button type="button" onClick={scan} disabled={action.busy}>
            {r ? t('scanAgain') : t('scan')}
          </button>
        ) : null}
      </div>
      <ErrorBox error={action.error} />
      {notScanned ? (
        <p className="muted">{t('notScanned')}</p>
      ) : (
        <ErrorBox error={report.error} onRetry={report.reload} />
      )}
      {r ? (
        <>
          <p>
            {t('status')}: <strong>{shown(t, r.scan_status)}</strong> · {t('findings', { n: r.vulnerabilities.length })}
            {r.labels?.length ? (
              <>
                {' '}
                · {t('derivedLabels')}:{' '}
                {r.labels.map((l) => (
                  <span key={l} className="badge derived" title={t('derivedTitle')}>
                    {l}
                  </span>
                ))}
              </>
            ) : null}
          </p>
          <div className="toolbar">
            <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label={t('severity')}>
              <option value="">{t('anySeverity')}</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {shown(t, s)}
                </option>
              ))}
            </select>
            <input
              placeholder={t('package')}
              value={pkg}
              onChange={(e) => setPkg(e.target.value)}
              aria-label={t('package')}
            />
            <label>
              <input type="checkbox" checked={fixableOnly} onChange={(e) => setFixableOnly(e.target.checked)} />{' '}
              {t('fixableOnly')}
            </label>
          </div>
          <div className="table-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th>{t('severity')}</th>
                  <th>{t('vulnerability')}</th>
                  <th>{t('package')}</th>
                  <th>{t('installed')}</th>
                  <th>{t('fixedIn')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((v) => (
                  <tr key={`${v.id}-${v.package}-${v.version}`}>
                    <td>{shown(t, v.severity)}</td>
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
