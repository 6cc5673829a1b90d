/** Place a connection's pull secret in a cluster: pick namespaces (listed from the cluster) and optional service accounts. */
import { type FormEvent, useState } from 'react';
import { post } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { Link } from '../../router.tsx';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import type { Cluster, Connection } from './types.ts';

const FIELDS = ['cluster_id', 'namespaces', 'service_accounts', 'secret_name'];

export function PlacementForm(props: { connection: Connection; clusters: Cluster[]; onDone: () => void }) {
  const [clusterId, setClusterId] = useState<number | null>(props.clusters[0]?.id ?? null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [accounts, setAccounts] = useState('');
  const [secretName, setSecretName] = useState(`${props.connection.name}-pull`);
  const namespaces = useApi<{ name: string }[]>(clusterId === null ? null : `/kube/clusters/${clusterId}/namespaces`);
  const action = useAction();

  if (props.clusters.length === 0) {
    return (
      <p className="notice">
        No clusters yet: <Link to="/kube/clusters">register one by its kubeconfig</Link> first.
      </p>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const done = await action.run(() =>
      post('/kube/placements', {
        connection_id: props.connection.id,
        cluster_id: clusterId,
        secret_name: secretName.trim(),
        namespaces: [...chosen],
        service_accounts: accounts
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      }),
    );
    if (done) props.onDone();
  };
  const toggle = (ns: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(ns);
    else next.delete(ns);
    setChosen(next);
  };
  return (
    <form className="kube-form sub-form" onSubmit={submit}>
      <label className="field">
        Cluster
        <select
          aria-label="Cluster"
          value={clusterId ?? ''}
          onChange={(e) => {
            setClusterId(Number(e.target.value));
            setChosen(new Set());
          }}
        >
          {props.clusters.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="namespaces">
        <legend>Namespaces</legend>
        {namespaces.loading ? <span className="muted small">listing namespaces…</span> : null}
        {(namespaces.data ?? []).map((ns) => (
          <label key={ns.name} className="check">
            <input type="checkbox" checked={chosen.has(ns.name)} onChange={(e) => toggle(ns.name, e.target.checked)} />
            <span className="mono">{ns.name}</span>
          </label>
        ))}
      </fieldset>
      <FieldError error={action.error} field="namespaces" />
      {namespaces.error ? <p className="error">{describeError(namespaces.error, KUBE_CONTEXT)}</p> : null}
      <label className="field">
        Service accounts (optional)
        <input
          aria-label="Service accounts"
          placeholder="default, builder"
          value={accounts}
          onChange={(e) => setAccounts(e.target.value)}
        />
      </label>
      <span className="hint">Each gets the secret in its imagePullSecrets, so pods need no change.</span>
      <FieldError error={action.error} field="service_accounts" />
      <label className="field">
        Secret name
        <input aria-label="Placement secret name" value={secretName} onChange={(e) => setSecretName(e.target.value)} />
      </label>
      <FieldError error={action.error} field="secret_name" />
      {action.error && !isFieldError(action.error, FIELDS) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || chosen.size === 0}>
          Place secret
        </button>
      </div>
    </form>
  );
}
