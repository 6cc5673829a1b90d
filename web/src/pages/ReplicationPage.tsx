/**
 * Replication (system administrators): a form for a new policy, the
 * policies with "Replicate now", enable/disable and delete; executions with
 * their progress and bytes (refreshed while one runs), Stop for a running one
 * and Retry for one that failed or stopped (its unfinished tasks again, as a
 * new execution); the tasks of one execution with their logs.
 */
import { useEffect, useState } from 'react';
import { del, getText, post, put } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { bytes, dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { useT } from '../i18n/index.ts';
import { replicationText } from './ReplicationPage.messages.ts';
import { ReplicationPolicyForm } from './ReplicationPolicyForm.tsx';

interface Side {
  id: number;
  name: string;
  url: string;
}

interface Policy {
  id: number;
  name: string;
  description: string;
  src_registry: Side;
  dest_registry: Side;
  dest_namespace: string;
  trigger: { type: string; trigger_settings: { cron: string } };
  enabled: boolean;
  filters: { type: string; value: string | string[]; decoration: string }[];
}

interface Execution {
  id: number;
  policy_id: number;
  status: string;
  trigger: string;
  start_time: string;
  end_time: string;
  status_text: string;
  total: number;
  succeed: number;
  failed: number;
  in_progress: number;
  stopped: number;
  bytes: number;
}

interface Task {
  id: number;
  status: string;
  operation: string;
  src_resource: string;
  dst_resource: string;
  bytes: number;
  attempts: number;
  start_time: string;
  end_time: string;
}

const badge = (status: string) => (status === 'Failed' ? 'badge danger' : 'badge');

function Tasks(props: { execution: Execution }) {
  const t = useT(replicationText);
  const tasks = useApi<Task[]>(`/replication/executions/${props.execution.id}/tasks?page_size=100`);
  const [log, setLog] = useState<{ id: number; text: string } | null>(null);
  const load = useAction();
  const { reload } = tasks;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new execution state means new task states
  useEffect(() => reload(), [props.execution.status, props.execution.succeed, props.execution.failed, reload]);
  const show = (task: Task) =>
    load.run(async () =>
      setLog({
        id: task.id,
        text: await getText(`/replication/executions/${props.execution.id}/tasks/${task.id}/log`),
      }),
    );
  return (
    <div className="table-wrap">
      <ErrorBox error={tasks.error} onRetry={tasks.reload} />
      <table>
        <thead>
          <tr>
            <th>{t('resource')}</th>
            <th>{t('status')}</th>
            <th>{t('sent')}</th>
            <th>{t('attempts')}</th>
            <th className="hide-narrow">{t('duration')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(tasks.data ?? []).map((task) => (
            <tr key={task.id}>
              <td className="mono small">
                {task.operation === 'deletion' ? `${t('deleteOp')} ` : ''}
                {task.src_resource} → {task.dst_resource}
              </td>
              <td>
                <span className={badge(task.status)}>{task.status}</span>
              </td>
              <td>{bytes(task.bytes)}</td>
              <td>{task.attempts}</td>
              <td className="hide-narrow">
                {task.start_time && task.end_time
                  ? `${((Date.parse(task.end_time) - Date.parse(task.start_time)) / 1000).toFixed(1)} s`
                  : '—'}
              </td>
              <td className="right">
                <button type="button" className="link" onClick={() => show(task)}>
                  {t('log')}
                </button>
              </td>
            </tr>
          ))}
          {tasks.data?.length === 0 ? <EmptyRow columns={6}>{t('noTasks')}</EmptyRow> : null}
        </tbody>
      </table>
      <ErrorBox error={load.error} />
      {log ? (
        <>
          <h3>{t('logOf', { id: log.id })}</h3>
          <pre className="log">{log.text || t('emptyLog')}</pre>
        </>
      ) : null}
    </div>
  );
}

function Policies(props: { policies: Policy[] | null; onStarted: () => void; onChanged: () => void }) {
  const t = useT(replicationText);
  const c = useT(common);
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const side = (s: Side) => (s.id === 0 ? t('thisBerth') : s.name);
  const filterText = (f: Policy['filters'][number]) =>
    `${f.type}${f.decoration === 'excludes' ? '!' : ''}=${Array.isArray(f.value) ? f.value.join(',') : f.value}`;
  const start = (p: Policy) =>
    action.run(() => post('/replication/executions', { policy_id: p.id })).then(props.onStarted);
  const toggle = (p: Policy) =>
    action.run(() => put(`/replication/policies/${p.id}`, { ...p, enabled: !p.enabled })).then(props.onChanged);
  const remove = async (p: Policy) => {
    const ok = await ask({
      title: t('deletePolicyTitle'),
      message: t('deletePolicy', { name: p.name }),
      confirmLabel: c('delete'),
    });
    if (ok) await action.run(() => del(`/replication/policies/${p.id}`)).then(props.onChanged);
  };
  return (
    <div className="table-wrap">
      {dialog}
      <ErrorBox error={action.error} context={{ permission: t('permission'), feature: t('feature') }} />
      <table>
        <thead>
          <tr>
            <th>{c('name')}</th>
            <th>{t('fromTo')}</th>
            <th className="hide-narrow">{t('filters')}</th>
            <th>{t('trigger')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(props.policies ?? []).map((p) => (
            <tr key={p.id}>
              <td>
                {p.name}
                {p.enabled ? null : <span className="badge">{c('disabled')}</span>}
              </td>
              <td className="small">
                {side(p.src_registry)} → {side(p.dest_registry)}
                {p.dest_namespace ? ` (${p.dest_namespace})` : ''}
              </td>
              <td className="hide-narrow mono small">{p.filters.map(filterText).join(' ')}</td>
              <td className="small">
                {p.trigger.type === 'manual'
                  ? t('manual')
                  : p.trigger.type === 'scheduled'
                    ? `${t('scheduled')} ${p.trigger.trigger_settings.cron}`
                    : t('eventBased')}
              </td>
              <td className="right">
                <button type="button" className="link" disabled={!p.enabled || action.busy} onClick={() => start(p)}>
                  {t('replicateNow')}
                </button>{' '}
                <button type="button" className="link" onClick={() => toggle(p)}>
                  {p.enabled ? t('disable') : t('enable')}
                </button>{' '}
                <button type="button" className="link danger-text" onClick={() => remove(p)}>
                  {c('delete')}
                </button>
              </td>
            </tr>
          ))}
          {props.policies?.length === 0 ? <EmptyRow columns={5}>{t('noPolicies')}</EmptyRow> : null}
        </tbody>
      </table>
    </div>
  );
}

export function ReplicationPage() {
  const t = useT(replicationText);
  const c = useT(common);
  const policies = useApi<Policy[]>('/replication/policies?page_size=100');
  const executions = useApi<Execution[]>('/replication/executions?page_size=30');
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const [open, setOpen] = useState<number | null>(null);
  const context = { permission: t('permission'), feature: t('feature') };
  const running = executions.data?.some((e) => e.status === 'InProgress') ?? false;
  const { reload } = executions;
  // Progress moves while an execution runs: poll until none does.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 1_500);
    return () => clearInterval(timer);
  }, [running, reload]);

  const stop = async (e: Execution) => {
    const ok = await ask({ title: t('stopTitle'), message: t('stopMessage', { id: e.id }), confirmLabel: t('stop') });
    if (ok) await action.run(() => put(`/replication/executions/${e.id}`, {})).then(reload);
  };
  const retry = (e: Execution) => action.run(() => post(`/replication/executions/${e.id}/retry`, {})).then(reload);
  const triggerName = (trigger: string) =>
    trigger === 'manual'
      ? t('manual')
      : trigger === 'scheduled'
        ? t('scheduled')
        : trigger === 'event_based'
          ? t('eventBased')
          : trigger;
  const nameOf = (policyId: number) => policies.data?.find((p) => p.id === policyId)?.name ?? `#${policyId}`;
  const current = executions.data?.find((e) => e.id === open);

  return (
    <section>
      {dialog}
      <h1>{t('title')}</h1>
      <p className="muted small">{t('intro')}</p>
      <ErrorBox error={policies.error} onRetry={policies.reload} context={context} />
      <h2>{t('newPolicy')}</h2>
      <ReplicationPolicyForm onCreated={policies.reload} />
      <h2>{t('policies')}</h2>
      <Policies policies={policies.data} onStarted={reload} onChanged={policies.reload} />
      <h2>{t('executions')}</h2>
      <ErrorBox error={executions.error} onRetry={reload} context={context} />
      <ErrorBox error={action.error} context={context} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('policy')}</th>
              <th>{t('status')}</th>
              <th>{t('progress')}</th>
              <th>{t('sent')}</th>
              <th className="hide-narrow">{t('trigger')}</th>
              <th className="hide-narrow">{t('started')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(executions.data ?? []).map((e) => (
              <tr key={e.id}>
                <td>{nameOf(e.policy_id)}</td>
                <td>
                  <span className={badge(e.status)}>{e.status}</span>
                  <div className="muted small">{e.status_text}</div>
                </td>
                <td>
                  <progress max={Math.max(1, e.total)} value={e.succeed + e.failed + e.stopped} />{' '}
                  {t('done', { done: e.succeed, total: e.total })}
                  {e.failed ? ` (${t('failedCount', { n: e.failed })})` : ''}
                </td>
                <td>{bytes(e.bytes)}</td>
                <td className="hide-narrow">{triggerName(e.trigger)}</td>
                <td className="hide-narrow">{dateTime(e.start_time)}</td>
                <td className="right">
                  <button type="button" className="link" onClick={() => setOpen(open === e.id ? null : e.id)}>
                    {t('tasks')}
                  </button>{' '}
                  {e.status === 'InProgress' ? (
                    <button type="button" className="link danger-text" onClick={() => stop(e)}>
                      {t('stop')}
                    </button>
                  ) : e.status === 'Failed' || e.status === 'Stopped' ? (
                    <button type="button" className="link" disabled={action.busy} onClick={() => retry(e)}>
                      {t('retryFailed')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {executions.data?.length === 0 ? <EmptyRow columns={7}>{t('noExecutions')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      <button type="button" className="link" onClick={reload}>
        {c('refresh')}
      </button>
      {current ? (
        <>
          <h2>{t('tasksOf', { id: current.id, policy: nameOf(current.policy_id) })}</h2>
          <Tasks execution={current} />
        </>
      ) : null}
    </section>
  );
}
