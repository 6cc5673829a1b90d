/**
 * Replication (system administrators): policies with a "Replicate now"
 * button, executions with their progress and bytes, the tasks of one
 * execution with their logs, Stop for a running execution and Retry (a new
 * execution, which sends only what is still missing) for a finished one.
 */
import { useState } from 'react';
import { getText, post, put } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { bytes, dateTime } from '../format.ts';

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
  filters: { type: string; value: string }[];
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

const side = (s: Side) => (s.id === 0 ? 'this Berth' : s.name);

function Tasks(props: { execution: Execution }) {
  const tasks = useApi<Task[]>(`/replication/executions/${props.execution.id}/tasks?page_size=100`);
  const [log, setLog] = useState<{ id: number; text: string } | null>(null);
  return (
    <div className="table-wrap">
      <ErrorBox error={tasks.error} onRetry={tasks.reload} />
      <table>
        <thead>
          <tr>
            <th>Resource</th>
            <th>Status</th>
            <th>Sent</th>
            <th>Attempts</th>
            <th className="hide-narrow">Duration</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(tasks.data ?? []).map((t) => (
            <tr key={t.id}>
              <td className="mono small">
                {t.operation === 'deletion' ? 'delete ' : ''}
                {t.src_resource} → {t.dst_resource}
              </td>
              <td>
                <span className={t.status === 'Failed' ? 'badge danger' : 'badge'}>{t.status}</span>
              </td>
              <td>{bytes(t.bytes)}</td>
              <td>{t.attempts}</td>
              <td className="hide-narrow">
                {t.start_time && t.end_time
                  ? `${((Date.parse(t.end_time) - Date.parse(t.start_time)) / 1000).toFixed(1)} s`
                  : '—'}
              </td>
              <td className="right">
                <button
                  type="button"
                  className="link"
                  onClick={async () =>
                    setLog({
                      id: t.id,
                      text: await getText(`/replication/executions/${props.execution.id}/tasks/${t.id}/log`),
                    })
                  }
                >
                  Log
                </button>
              </td>
            </tr>
          ))}
          {tasks.data?.length === 0 ? <EmptyRow columns={6}>No tasks.</EmptyRow> : null}
        </tbody>
      </table>
      <button type="button" className="link" onClick={tasks.reload}>
        Refresh
      </button>
      {log ? <pre className="log">{log.text || '(empty)'}</pre> : null}
    </div>
  );
}

export function ReplicationPage() {
  const policies = useApi<Policy[]>('/replication/policies?page_size=100');
  const executions = useApi<Execution[]>('/replication/executions?page_size=30');
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const context = { permission: 'system administrator', feature: 'replication' };

  const start = async (policyId: number) => {
    setError(null);
    try {
      await post('/replication/executions', { policy_id: policyId });
      executions.reload();
    } catch (err) {
      setError(describeError(err, context));
    }
  };
  const stop = async (id: number) => {
    try {
      await put(`/replication/executions/${id}`, {});
      executions.reload();
    } catch (err) {
      setError(describeError(err, context));
    }
  };
  const nameOf = (policyId: number) => policies.data?.find((p) => p.id === policyId)?.name ?? `#${policyId}`;
  const current = executions.data?.find((e) => e.id === open);

  return (
    <section>
      <h1>Replication</h1>
      <p className="muted small">
        Policies are managed with Harbor's API (<code>/api/v2.0/replication/policies</code>); see docs/replication.md.
      </p>
      <ErrorBox error={policies.error} onRetry={policies.reload} context={context} />
      {error ? <p className="error">{error}</p> : null}
      <h2>Policies</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>From → to</th>
              <th className="hide-narrow">Filters</th>
              <th>Trigger</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(policies.data ?? []).map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name}
                  {p.enabled ? null : <span className="badge">disabled</span>}
                </td>
                <td className="small">
                  {side(p.src_registry)} → {side(p.dest_registry)}
                  {p.dest_namespace ? ` (${p.dest_namespace})` : ''}
                </td>
                <td className="hide-narrow mono small">{p.filters.map((f) => `${f.type}=${f.value}`).join(' ')}</td>
                <td className="small">
                  {p.trigger.type}
                  {p.trigger.type === 'scheduled' ? ` ${p.trigger.trigger_settings.cron}` : ''}
                </td>
                <td className="right">
                  <button type="button" className="link" disabled={!p.enabled} onClick={() => start(p.id)}>
                    Replicate now
                  </button>
                </td>
              </tr>
            ))}
            {policies.data?.length === 0 ? <EmptyRow columns={5}>No replication policies yet.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      <h2>Executions</h2>
      <ErrorBox error={executions.error} onRetry={executions.reload} context={context} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Policy</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Sent</th>
              <th className="hide-narrow">Trigger</th>
              <th className="hide-narrow">Started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(executions.data ?? []).map((e) => (
              <tr key={e.id}>
                <td>{nameOf(e.policy_id)}</td>
                <td>
                  <span className={e.status === 'Failed' ? 'badge danger' : 'badge'}>{e.status}</span>
                  <div className="muted small">{e.status_text}</div>
                </td>
                <td>
                  <progress max={Math.max(1, e.total)} value={e.succeed + e.failed + e.stopped} /> {e.succeed}/{e.total}
                  {e.failed ? ` (${e.failed} failed)` : ''}
                </td>
                <td>{bytes(e.bytes)}</td>
                <td className="hide-narrow">{e.trigger}</td>
                <td className="hide-narrow">{dateTime(e.start_time)}</td>
                <td className="right">
                  <button type="button" className="link" onClick={() => setOpen(open === e.id ? null : e.id)}>
                    Tasks
                  </button>{' '}
                  {e.status === 'InProgress' ? (
                    <button type="button" className="link danger-text" onClick={() => stop(e.id)}>
                      Stop
                    </button>
                  ) : (
                    <button type="button" className="link" onClick={() => start(e.policy_id)}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {executions.data?.length === 0 ? <EmptyRow columns={7}>No executions yet.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      <button type="button" className="link" onClick={executions.reload}>
        Refresh
      </button>
      {current ? (
        <>
          <h2>
            Tasks of execution {current.id} ({nameOf(current.policy_id)})
          </h2>
          <Tasks execution={current} />
        </>
      ) : null}
    </section>
  );
}
