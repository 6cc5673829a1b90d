/** Clusters, registered by pasting a kubeconfig; listing its namespaces is the check. */
import { type FormEvent, useState } from 'react';
import { del, post } from '../../api.ts';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { useConfirm } from '../../components/use-confirm.tsx';
import { dateTime } from '../../format.ts';
import { messages, useT } from '../../i18n/index.ts';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Cluster } from './types.ts';

function RegisterForm(props: { onDone: (c: Cluster & { namespaces: string[] }) => void }) {
  const t = useT(text);
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
      <h2>{t('registerTitle')}</h2>
      <label className="field">
        {t('name')}
        <input
          aria-label={t('clusterName')}
          value={name}
          placeholder={t('nameHint')}
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
      <span className="hint">{t('kubeconfigHint')}</span>
      <FieldError error={action.error} field="kubeconfig" />
      <label className="field">
        {t('contextOptional')}
        <input
          aria-label={t('context')}
          value={context}
          placeholder={t('contextHint')}
          onChange={(e) => setContext(e.target.value)}
        />
      </label>
      <FieldError error={action.error} field="context" />
      {action.error && !isFieldError(action.error, ['name', 'kubeconfig', 'context']) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || !name.trim() || !kubeconfig.trim()}>
          {action.busy ? t('checking') : t('register')}
        </button>
      </div>
    </form>
  );
}

export function ClustersPage() {
  const t = useT(text);
  const list = useApi<Cluster[]>('/kube/clusters?page_size=100');
  const [adding, setAdding] = useState(false);
  const [registered, setRegistered] = useState<(Cluster & { namespaces: string[] }) | null>(null);
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const remove = async (c: Cluster) => {
    const ok = await ask({
      title: t('deleteTitle', { name: c.name }),
      message: t('deleteMessage'),
      confirmLabel: t('deleteCluster'),
    });
    if (!ok) return;
    await action.run(() => del(`/kube/clusters/${c.id}`));
    list.reload();
  };
  return (
    <section>
      <KubeTabs current="clusters" />
      <div className="title-row">
        <p className="muted">{t('intro')}</p>
        {list.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? t('cancel') : t('register')}
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
          <h2>{t('registered', { name: registered.name })}</h2>
          <p>{t('works', { server: registered.server, n: registered.namespaces.length })}</p>
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
                <th>{t('name')}</th>
                <th>{t('apiServer')}</th>
                <th className="hide-narrow">{t('context')}</th>
                <th className="hide-narrow">{t('registeredAt')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td className="mono wrap">{c.server}</td>
                  <td className="hide-narrow">{c.context ?? <span className="muted mono">current-context</span>}</td>
                  <td className="hide-narrow">{dateTime(c.creation_time)}</td>
                  <td className="right">
                    <button type="button" className="link danger-text" onClick={() => remove(c)}>
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              ))}
              {list.data.length === 0 ? <EmptyRow columns={5}>{t('empty')}</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {dialog}
    </section>
  );
}

const text = messages(
  {
    registerTitle: 'Register a cluster',
    name: 'Name',
    clusterName: 'Cluster name',
    nameHint: 'e.g. prod',
    kubeconfigHint:
      'Stored encrypted. Use a service account that may read namespaces and manage secrets and service accounts.',
    contextOptional: 'Context (optional)',
    context: 'Context',
    contextHint: "the kubeconfig's current-context",
    checking: 'Checking…',
    register: 'Register cluster',
    intro: 'Clusters Berth writes pull secrets into and diagnoses pulls in.',
    cancel: 'Cancel',
    registered: 'Cluster {name} registered',
    works: 'The kubeconfig works: {server} lists {n} namespaces.',
    apiServer: 'API server',
    registeredAt: 'Registered',
    delete: 'Delete',
    empty: 'No clusters yet. Register one by pasting its kubeconfig.',
    deleteTitle: 'Delete cluster {name}?',
    deleteMessage: 'Berth forgets its kubeconfig. Secrets it wrote stay in the cluster.',
    deleteCluster: 'Delete cluster',
  },
  {
    registerTitle: '注册集群',
    name: '名称',
    clusterName: '集群名称',
    nameHint: '例如 prod',
    kubeconfigHint: '加密存储。请使用可读取命名空间、并可管理 Secret 和服务账户的服务账户。',
    contextOptional: '上下文（可选）',
    context: '上下文',
    contextHint: 'kubeconfig 的 current-context',
    checking: '正在检查…',
    register: '注册集群',
    intro: 'Berth 会向这些集群写入拉取密钥，并在其中诊断拉取问题。',
    cancel: '取消',
    registered: '集群 {name} 已注册',
    works: 'kubeconfig 可用：{server} 列出了 {n} 个命名空间。',
    apiServer: 'API 服务器',
    registeredAt: '注册时间',
    delete: '删除',
    empty: '尚无集群。粘贴 kubeconfig 即可注册。',
    deleteTitle: '删除集群 {name}？',
    deleteMessage: 'Berth 将忘记它的 kubeconfig。已写入的 Secret 会保留在集群中。',
    deleteCluster: '删除集群',
  },
);
