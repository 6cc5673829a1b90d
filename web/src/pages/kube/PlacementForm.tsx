/** Place a connection's pull secret in a cluster: pick namespaces (listed from the cluster) and optional service accounts. */
import { type FormEvent, useState } from 'react';
import { post } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { messages, useT } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import type { Cluster, Connection } from './types.ts';

const FIELDS = ['cluster_id', 'namespaces', 'service_accounts', 'secret_name'];

export function PlacementForm(props: { connection: Connection; clusters: Cluster[]; onDone: () => void }) {
  const t = useT(text);
  const [clusterId, setClusterId] = useState<number | null>(props.clusters[0]?.id ?? null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [accounts, setAccounts] = useState('');
  const [secretName, setSecretName] = useState(`${props.connection.name}-pull`);
  const namespaces = useApi<{ name: string }[]>(clusterId === null ? null : `/kube/clusters/${clusterId}/namespaces`);
  const action = useAction();

  if (props.clusters.length === 0) {
    return (
      <p className="notice">
        {t('noClusters')} <Link to="/kube/clusters">{t('registerOne')}</Link>
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
        {t('cluster')}
        <select
          aria-label={t('cluster')}
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
        <legend>{t('namespaces')}</legend>
        {namespaces.loading ? <span className="muted small">{t('listing')}</span> : null}
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
        {t('accountsOptional')}
        <input
          aria-label={t('accounts')}
          placeholder="default, builder"
          value={accounts}
          onChange={(e) => setAccounts(e.target.value)}
        />
      </label>
      <span className="hint">{t('accountsHint')}</span>
      <FieldError error={action.error} field="service_accounts" />
      <label className="field">
        {t('secretName')}
        <input aria-label={t('placementSecret')} value={secretName} onChange={(e) => setSecretName(e.target.value)} />
      </label>
      <FieldError error={action.error} field="secret_name" />
      {action.error && !isFieldError(action.error, FIELDS) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || chosen.size === 0}>
          {t('place')}
        </button>
      </div>
    </form>
  );
}

const text = messages(
  {
    noClusters: 'No clusters yet:',
    registerOne: 'register one by its kubeconfig first.',
    cluster: 'Cluster',
    namespaces: 'Namespaces',
    listing: 'listing namespaces…',
    accountsOptional: 'Service accounts (optional)',
    accounts: 'Service accounts',
    accountsHint: 'Each gets the secret in its imagePullSecrets, so pods need no change.',
    secretName: 'Secret name',
    placementSecret: 'Placement secret name',
    place: 'Place secret',
  },
  {
    noClusters: '尚无集群：',
    registerOne: '请先用 kubeconfig 注册一个集群。',
    cluster: '集群',
    namespaces: '命名空间',
    listing: '正在列出命名空间…',
    accountsOptional: '服务账户（可选）',
    accounts: '服务账户',
    accountsHint: '每个服务账户的 imagePullSecrets 中都会加入此密钥，Pod 无需修改。',
    secretName: '密钥名称',
    placementSecret: '放置的密钥名称',
    place: '放置密钥',
  },
);
