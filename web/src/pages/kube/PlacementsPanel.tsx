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
  if (props.copies.length === 0) return <p className="muted small">Not synced yet.</p>;
  return (
    <div className="table-wrap">
      <table className="copies">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>State</th>
            <th>Message</th>
            <th className="hide-narrow">Synced</th>
          </tr>
        </thead>
        <tbody>
          {props.copies.map((c) => (
            <tr key={c.namespace} className={c.state === 'failed' ? 'failed' : undefined} data-namespace={c.namespace}>
              <td className="mono">{c.namespace}</td>
              <td>
                <span className={`badge state ${STATE_CLASS[c.state]}`}>{c.state}</span>
                {c.current || c.state === 'pending' ? null : <div className="small muted">old credentials</div>}
              </td>
              <td className="small wrap">
                {c.message ?? (c.service_accounts.length ? null : '—')}
                {c.service_accounts.map((sa) => (
                  <div key={sa.name} className="muted">
                    service account {sa.name}: {sa.state}
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
  const { ask, dialog } = useConfirm();
  const placements = useApi<Placement[]>(`/kube/placements?connection_id=${props.connection.id}&page_size=100`);
  const clusters = useApi<Cluster[]>('/kube/clusters?page_size=100');
  const [adding, setAdding] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const action = useAction();
  const job = useJob(jobId, placements.reload);
  const clusterName = (id: number) => clusters.data?.find((c) => c.id === id)?.name ?? `cluster ${id}`;

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
        <h2>Placed in clusters</h2>
        <span className="actions-row">
          <button type="button" onClick={syncAll} disabled={action.busy || !placements.data?.length}>
            Sync now
          </button>
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'Add placement'}
          </button>
        </span>
      </div>
      {job ? (
        <p
          className={job.status === 'failed' ? 'error' : job.status === 'done' ? 'notice ok' : 'notice'}
          role="status"
          data-job-status={job.status}
        >
          Sync job {job.id.slice(0, 8)}: <strong>{job.status}</strong>
          {job.status === 'queued' || job.status === 'running' ? ' …' : ''}
          {job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}
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
      {placements.data?.length === 0 && !adding ? (
        <p className="muted">
          Not placed anywhere yet. Register a cluster, then add a placement to keep this secret in its namespaces.
        </p>
      ) : null}
      {(placements.data ?? []).map((p) => (
        <section key={p.id} className="placement" aria-label={`placement in ${clusterName(p.cluster_id)}`}>
          <div className="title-row">
            <h3>
              {clusterName(p.cluster_id)} <span className="muted">· secret</span> <code>{p.secret_name}</code>
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
                Sync this cluster
              </button>
              <button
                type="button"
                className="link danger-text"
                onClick={async () => {
                  const ok = await ask({
                    title: `Stop placing ${p.secret_name} in ${clusterName(p.cluster_id)}?`,
                    message: 'Berth stops keeping the secret current there.',
                    confirmLabel: 'Stop placing',
                  });
                  if (!ok) return;
                  await action.run(() => del(`/kube/placements/${p.id}`));
                  placements.reload();
                }}
              >
                Remove
              </button>
            </span>
          </div>
          <p className="small muted">
            namespaces {p.namespaces.join(', ')}
            {p.service_accounts.length ? ` · service accounts ${p.service_accounts.join(', ')}` : ''}
          </p>
          <CopiesTable copies={p.copies} />
        </section>
      ))}
    </div>
  );
}
