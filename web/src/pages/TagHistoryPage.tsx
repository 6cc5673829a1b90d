/** A tag's history as a timeline (/projects/{p}/repositories/{r}/tags/{tag}/history), with rollback after confirmation. */
import { useState } from 'react';
import { request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { dateTime, shortDigest } from '../format.ts';

interface Entry {
  digest: string;
  time: string;
  actor: string | null;
  operation: string;
}

export function TagHistoryPage(props: { project: string; repository: string; tag: string }) {
  const path = `/projects/${encodeURIComponent(props.project)}/repositories/${encodeURIComponent(
    encodeURIComponent(props.repository),
  )}/tags/${encodeURIComponent(props.tag)}`;
  const history = useApi<Entry[]>(`${path}/history`);
  const [target, setTarget] = useState<Entry | null>(null);
  const action = useAction();
  const current = history.data?.[0];
  return (
    <section>
      <h1>
        {props.project}/{props.repository}:{props.tag} — history
      </h1>
      <ErrorBox error={action.error ?? history.error} />
      <ol className="timeline">
        {(history.data ?? []).map((e, i) => (
          <li key={`${e.time}-${e.operation}-${e.digest}`} className={`timeline-${e.operation}`}>
            <span className="when">{dateTime(e.time)}</span> <strong>{e.operation}</strong>{' '}
            <code title={e.digest}>{shortDigest(e.digest)}</code> by {e.actor ?? 'anonymous'}
            {e.operation !== 'delete' && current && !(current.digest === e.digest && current.operation !== 'delete') ? (
              <button type="button" onClick={() => setTarget(e)}>
                Roll back to this
              </button>
            ) : null}
            {i === 0 && e.operation !== 'delete' ? <span className="badge">current</span> : null}
          </li>
        ))}
      </ol>
      {target ? (
        <ConfirmDialog
          title="Roll back tag"
          confirmLabel="Roll back"
          onCancel={() => setTarget(null)}
          onConfirm={async () => {
            await action.run(() => request(`${path}/rollback`, { method: 'POST', body: { digest: target.digest } }));
            setTarget(null);
            history.reload();
          }}
        >
          Move <code>{props.tag}</code> back to <code>{shortDigest(target.digest)}</code> (pushed{' '}
          {dateTime(target.time)})? Clients pulling {props.tag} get that image from now on.
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
