/**
 * Where a connection's pull secret is placed (cluster, namespaces, service
 * accounts) and each copy's last sync; "Sync now" queues a reconcile job and
 * follows it to its end.
 */
import { useEffect, useState } from 'react';
import { del, get, post } from '../../api.ts';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { useConfirm } from '../../components/use-confirm.tsx';
import { ago, dateTime } from '../../format.ts';
import { messages, useT } from '../../i18n/index.ts';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import { PlacementForm } from './PlacementForm.tsx';
import type { Cluster, Connection, Copy, Job, Placement } from './types.ts';

const STATE_CLASS: Record<Copy['state'], string> = {
  created: 'ok',
  updated: 'ok',
  unchanged: '',
  failed: 'failure',
  pending: '',
};

/** Polls a kube job until it is done or failed. */
function useJob(id: string | null, onEnd: () => void): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: onEnd is read when the job ends, not a reason to poll again
  useEffect(() => {
    if (!id) return;
    let live = true;
    const poll = async () => {
      const next = await get<Job>(`/kube/jobs/${id}`).catch(() => null);
      if (!live) return;
      setJob(next);
      if (next && (next.status === 'done' || next.status === 'failed')) onEnd();
      else setTimeout(poll, 400);
    };
    void poll();
    return () => {
      live = false;
    };
  }, [id]);
  return job;
}

function CopiesTable(props: { copies: Copy[] }) {
  const t = useT(text);
  if (props.copies.length === 0) return <p className="muted small">{t('notSynced')}</p>;
  return (
    <div className="table-wrap">
      <table className="copies">
        <thead>
          <tr>
            <th>{t('namespace')}</th>
            <th>{t('state')}</th>
            <th>{t('message')}</th>
            <th className="hide-narrow">{t('synced')}</th>
          </tr>
        </thead>
        <tbody>
          {props.copies.map((c) => (
            <tr key={c.namespace} className={c.state === 'failed' ? 'failed' : undefined} data-namespace={c.namespace}>
              <td className="mono">{c.namespace}</td>
              <td>
                <span className={`badge state ${STATE_CLASS[c.state]}`}>{t(c.state)}</span>
                {c.current || c.state === 'pending' ? null : <div className="small muted">{t('oldCredentials')}</div>}
              </td>
              <td className="small wrap">
                {c.message ?? (c.service_accounts.length ? null : '—')}
                {c.service_accounts.map((sa) => (
                  <div key={sa.name} className="muted">
                    {t('saState', {
                      name: sa.name,
                      state: sa.state in STATE_CLASS ? t(sa.state as Copy['state']) : sa.state,
                    })}
                    {sa.message ? ` (${sa.message})` : ''}
                  </div>
                ))}
              </td>
              <td className="hide-narrow small" title={dateTime(c.synced_at)}>
                {ago(c.synced_at)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PlacementsPanel(props: { connection: Connection }) {
  const t = useT(text);
  const { ask, dialog } = useConfirm();
  const placements = useApi<Placement[]>(`/kube/placements?connection_id=${props.connection.id}&page_size=100`);
  const clusters = useApi<Cluster[]>('/kube/clusters?page_size=100');
  const [adding, setAdding] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const action = useAction();
  const job = useJob(jobId, placements.reload);
  const clusterName = (id: number) => clusters.data?.find((c) => c.id === id)?.name ?? t('clusterN', { id });

  const syncAll = async () => {
    setJobId(null);
    const queued = await action.run(() =>
      post<{ reconcile_job_id: string | null }>(`/kube/connections/${props.connection.id}/reconcile`, {}),
    );
    if (queued?.reconcile_job_id) setJobId(queued.reconcile_job_id);
  };

  return (
    <div className="panel">
      {dialog}
      <div className="title-row">
        <h2>{t('placed')}</h2>
        <span className="actions-row">
          <button type="button" onClick={syncAll} disabled={action.busy || !placements.data?.length}>
            {t('syncNow')}
          </button>
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? t('cancel') : t('add')}
          </button>
        </span>
      </div>
      {job ? (
        <p
          className={job.status === 'failed' ? 'error' : job.status === 'done' ? 'notice ok' : 'notice'}
          role="status"
          data-job-status={job.status}
        >
          {t('syncJob', { id: job.id.slice(0, 8) })} <strong>{t(job.status)}</strong>
          {job.status === 'queued' || job.status === 'running' ? ' …' : ''}
          {job.attempts > 1 ? t('attempt', { n: job.attempts }) : ''}
          {job.last_error ? ` — ${job.last_error}` : ''}
        </p>
      ) : null}
      <ErrorBox error={action.error ?? placements.error} context={KUBE_CONTEXT} />
      {adding ? (
        <PlacementForm
          connection={props.connection}
          clusters={clusters.data ?? []}
          onDone={() => {
            setAdding(false);
            placements.reload();
          }}
        />
      ) : null}
      {placements.data?.length === 0 && !adding ? <p className="muted">{t('none')}</p> : null}
      {(placements.data ?? []).map((p) => (
        <section key={p.id} className="placement" aria-label={t('placementIn', { cluster: clusterName(p.cluster_id) })}>
          <div className="title-row">
            <h3>
              {clusterName(p.cluster_id)} <span className="muted">· {t('secret')}</span> <code>{p.secret_name}</code>
            </h3>
            <span className="actions-row">
              <button
                type="button"
                className="link"
                disabled={action.busy}
                onClick={async () => {
                  await action.run(() => post(`/kube/placements/${p.id}/sync`, {}));
                  placements.reload();
                }}
              >
                {t('syncCluster')}
              </button>
              <button
                type="button"
                className="link danger-text"
                onClick={async () => {
                  const ok = await ask({
                    title: t('stopTitle', { secret: p.secret_name, cluster: clusterName(p.cluster_id) }),
                    message: t('stopMessage'),
                    confirmLabel: t('stop'),
                  });
                  if (!ok) return;
                  await action.run(() => del(`/kube/placements/${p.id}`));
                  placements.reload();
                }}
              >
                {t('remove')}
              </button>
            </span>
          </div>
          <p className="small muted">
            {t('namespacesList', { list: p.namespaces.join(', ') })}
            {p.service_accounts.length ? ` · ${t('accountsList', { list: p.service_accounts.join(', ') })}` : ''}
          </p>
          <CopiesTable copies={p.copies} />
        </section>
      ))}
    </div>
  );
}

const text = messages(
  {
    notSynced: 'Not synced yet.',
    namespace: 'Namespace',
    state: 'State',
    message: 'Message',
    synced: 'Synced',
    created: 'created',
    updated: 'updated',
    unchanged: 'unchanged',
    failed: 'failed',
    pending: 'pending',
    queued: 'queued',
    running: 'running',
    done: 'done',
    oldCredentials: 'old credentials',
    saState: 'service account {name}: {state}',
    clusterN: 'cluster {id}',
    placed: 'Placed in clusters',
    syncNow: 'Sync now',
    cancel: 'Cancel',
    add: 'Add placement',
    syncJob: 'Sync job {id}:',
    attempt: ' (attempt {n})',
    none: 'Not placed anywhere yet. Register a cluster, then add a placement to keep this secret in its namespaces.',
    placementIn: 'placement in {cluster}',
    secret: 'secret',
    syncCluster: 'Sync this cluster',
    stopTitle: 'Stop placing {secret} in {cluster}?',
    stopMessage: 'Berth stops keeping the secret current there.',
    stop: 'Stop placing',
    remove: 'Remove',
    namespacesList: 'namespaces {list}',
    accountsList: 'service accounts {list}',
  },
  {
    notSynced: '尚未同步。',
    namespace: '命名空间',
    state: '状态',
    message: '信息',
    synced: '同步时间',
    created: '已创建',
    updated: '已更新',
    unchanged: '未变化',
    failed: '失败',
    pending: '等待中',
    queued: '排队中',
    running: '运行中',
    done: '完成',
    oldCredentials: '旧凭据',
    saState: '服务账户 {name}：{state}',
    clusterN: '集群 {id}',
    placed: '已放置的集群',
    syncNow: '立即同步',
    cancel: '取消',
    add: '添加放置',
    syncJob: '同步任务 {id}：',
    attempt: '（第 {n} 次尝试）',
    none: '尚未放置到任何地方。注册一个集群，然后添加放置，即可让此密钥保持在其命名空间中。',
    placementIn: '{cluster} 中的放置',
    secret: '密钥',
    syncCluster: '同步此集群',
    stopTitle: '停止在 {cluster} 中放置 {secret}？',
    stopMessage: 'Berth 将不再保持该处密钥为最新。',
    stop: '停止放置',
    remove: '移除',
    namespacesList: '命名空间 {list}',
    accountsList: '服务账户 {list}',
  },
);
