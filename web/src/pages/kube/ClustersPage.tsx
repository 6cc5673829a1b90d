/** Clusters, registered by pasting a kubeconfig; listing its namespaces is the check. */
import { type FormEvent, useState } from 'react';
import { del, post } from '../../api.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { dateTime } from '../../format.ts';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Cluster } from './types.ts';

function RegisterForm(props: { onDone: (c: Cluster & { namespaces: string[] }) => void }) {
  const [name, setName] = useState('');
  const [kubeconfig, setKubeconfig] = useState('');
  const [context, setContext] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await action.run(() =>
      post<Cluster & { namespaces: string[] }>('/kube/clusters', {
        name: name.trim(),
        kubeconfig,
        ...(context.trim() ? { context: context.trim() } : {}),
      }),
    );
    if (made) props.onDone(made);
  };
  return (
    <form className="panel kube-form" onSubmit={submit}>
      <h2>Register a cluster</h2>
      <label className="field">
        Name
        <input
          aria-label="Cluster name"
          value={name}
          placeholder="e.g. prod"
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <FieldError error={action.error} field="name" />
      <label className="field">
        kubeconfig
        <textarea
          aria-label="kubeconfig"
          className="mono"
          rows={10}
          spellCheck={false}
          placeholder="apiVersion: v1&#10;kind: Config&#10;clusters: …"
          value={kubeconfig}
          onChange={(e) => setKubeconfig(e.target.value)}
        />
      </label>
      <span className="hint">
        Stored encrypted. Use a service account that may read namespaces and manage secrets and service accounts.
      </span>
      <FieldError error={action.error} field="kubeconfig" />
      <label className="field">
        Context (optional)
        <input
          aria-label="Context"
          value={context}
          placeholder="the kubeconfig's current-context"
          onChange={(e) => setContext(e.target.value)}
        />
      </label>
      <FieldError error={action.error} field="context" />
      {action.error && !isFieldError(action.error, ['name', 'kubeconfig', 'context']) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || !name.trim() || !kubeconfig.trim()}>
          {action.busy ? 'Checking…' : 'Register cluster'}
        </button>
      </div>
    </form>
  );
}

export function ClustersPage() {
  const list = useApi<Cluster[]>('/kube/clusters?page_size=100');
  const [adding, setAdding] = useState(false);
  const [registered, setRegistered] = useState<(Cluster & { namespaces: string[] }) | null>(null);
  const [deleting, setDeleting] = useState<Cluster | null>(null);
  const action = useAction();
  return (
    <section>
      <KubeTabs current="clusters" />
      <div className="title-row">
        <p className="muted">Clusters Berth writes pull secrets into and diagnoses pulls in.</p>
        {list.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'Register cluster'}
          </button>
        ) : null}
      </div>
      <ErrorBox error={list.error ?? action.error} onRetry={list.reload} context={KUBE_CONTEXT} />
      {adding ? (
        <RegisterForm
          onDone={(c) => {
            setAdding(false);
            setRegistered(c);
            list.reload();
          }}
        />
      ) : null}
      {registered ? (
        <div className="secret-box" role="status">
          <h2>Cluster {registered.name} registered</h2>
          <p>
            The kubeconfig works: {registered.server} lists {registered.namespaces.length} namespaces.
          </p>
          <ul className="chips">
            {registered.namespaces.map((ns) => (
              <li key={ns} className="chip">
                {ns}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {list.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>API server</th>
                <th className="hide-narrow">Context</th>
                <th className="hide-narrow">Registered</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td className="mono wrap">{c.server}</td>
                  <td className="hide-narrow">{c.context ?? <span className="muted">current-context</span>}</td>
                  <td className="hide-narrow">{dateTime(c.creation_time)}</td>
                  <td className="right">
                    <button type="button" className="link danger-text" onClick={() => setDeleting(c)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {list.data.length === 0 ? (
                <EmptyRow columns={5}>No clusters yet. Register one by pasting its kubeconfig.</EmptyRow>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete cluster ${deleting.name}?`}
          confirmLabel="Delete cluster"
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const target = deleting;
            setDeleting(null);
            await action.run(() => del(`/kube/clusters/${target.id}`));
            list.reload();
          }}
        >
          <p>Berth forgets its kubeconfig. Secrets it wrote stay in the cluster.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
