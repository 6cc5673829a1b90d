/** About this server: version and storage (/systeminfo) and the health of each component (/health). */
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api.ts';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useApi } from '../../components/use-api.ts';
import { common } from '../../i18n/common.ts';
import { messages, useT } from '../../i18n/index.ts';

const catalog = messages(
  {
    title: 'About Berth',
    version: 'Version',
    harborVersion: 'Harbor API compatibility name',
    storage: 'Blob storage',
    health: 'Health',
    component: 'Component',
    status: 'Status',
    detail: 'Detail',
    healthy: 'healthy',
    unhealthy: 'unhealthy',
    overall: 'Overall: {status}',
    checked: 'Checked at {time}',
    database: 'metadata database',
    storageComponent: 'blob storage',
    api: 'The management API is at /api/v2.0 (OpenAPI document: /api/v2.0/openapi.json).',
  },
  {
    title: '关于 Berth',
    version: '版本',
    harborVersion: 'Harbor API 兼容名称',
    storage: '存储后端',
    health: '健康状态',
    component: '组件',
    status: '状态',
    detail: '详情',
    healthy: '健康',
    unhealthy: '异常',
    overall: '总体：{status}',
    checked: '检查时间 {time}',
    database: '元数据数据库',
    storageComponent: '镜像层存储',
    api: '管理 API 位于 /api/v2.0（OpenAPI 文档：/api/v2.0/openapi.json）。',
  },
);

interface SystemInfo {
  berth_version?: string;
  harbor_version?: string;
  storage_driver?: string;
}
interface Health {
  status: string;
  components: { name: string; status: string; error?: string }[];
}

/** /health answers 503 with the same body when a component fails: read it either way. */
async function readHealth(): Promise<Health> {
  const res = await fetch('/api/v2.0/health', { headers: { accept: 'application/json' } });
  if (res.status !== 200 && res.status !== 503) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return (await res.json()) as Health;
}

export function AboutPage() {
  const t = useT(catalog);
  const c = useT(common);
  const info = useApi<SystemInfo>('/systeminfo');
  const [health, setHealth] = useState<{ at: Date; data?: Health; error?: unknown } | null>(null);
  const check = useCallback(
    () =>
      readHealth().then(
        (data) => setHealth({ at: new Date(), data }),
        (error) => setHealth({ at: new Date(), error }),
      ),
    [],
  );
  useEffect(() => {
    void check();
  }, [check]);
  const label = (status: string) => (status === 'healthy' ? t('healthy') : t('unhealthy'));
  const name = (n: string) => (n === 'database' ? t('database') : n === 'storage' ? t('storageComponent') : n);
  return (
    <section>
      <h1>{t('title')}</h1>
      <ErrorBox error={info.error} onRetry={info.reload} />
      <dl className="facts panel">
        <dt>{t('version')}</dt>
        <dd className="mono">{info.data?.berth_version ?? '…'}</dd>
        <dt>{t('harborVersion')}</dt>
        <dd className="mono">{info.data?.harbor_version ?? '…'}</dd>
        <dt>{t('storage')}</dt>
        <dd>{info.data?.storage_driver ?? '…'}</dd>
      </dl>
      <div className="panel">
        <div className="title-row">
          <h2>{t('health')}</h2>
          <button type="button" onClick={() => void check()}>
            {c('refresh')}
          </button>
        </div>
        <ErrorBox error={health?.error} />
        {health?.data ? (
          <>
            <p>
              <span className={`badge ${health.data.status === 'healthy' ? 'ok' : 'failure'}`}>
                {t('overall', { status: label(health.data.status) })}
              </span>{' '}
              <span className="muted small">{t('checked', { time: health.at.toLocaleTimeString() })}</span>
            </p>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>{t('component')}</th>
                    <th>{t('status')}</th>
                    <th>{t('detail')}</th>
                  </tr>
                </thead>
                <tbody>
                  {health.data.components.map((x) => (
                    <tr key={x.name}>
                      <td>{name(x.name)}</td>
                      <td>
                        <span className={`badge ${x.status === 'healthy' ? 'ok' : 'failure'}`}>{label(x.status)}</span>
                      </td>
                      <td className="small">{x.error ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </div>
      <p className="muted small">{t('api')}</p>
    </section>
  );
}
