/**
 * Connection groups (registries mirroring one upstream, tried in order, the
 * upstream last) and the runtime files they render: containerd's hosts.toml
 * per upstream and CRI-O/podman's registries.conf.
 */
import { useState } from 'react';
import { del } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { useConfirm } from '../../components/use-confirm.tsx';
import { messages, useT } from '../../i18n/index.ts';
import { GroupForm } from './GroupForm.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Connection, Group } from './types.ts';

/** Remounted (by key) when groups change, so both files are read again. */
function Rendered() {
  const t = useT(text);
  const containerd = useApi<{ config_path: string; files: { path: string; content: string }[] }>(
    '/kube/mirrors?format=containerd',
  );
  const conf = useApi<string>('/kube/mirrors?format=registries.conf', { text: true });
  return (
    <div className="panel">
      <h2>{t('runtime')}</h2>
      <ErrorBox error={containerd.error ?? conf.error} context={KUBE_CONTEXT} />
      <h3>containerd</h3>
      <p className="muted small">
        {t('filesUnder')} <code>{containerd.data?.config_path ?? '/etc/containerd/certs.d'}</code> {t('containerds')}{' '}
        <code>config_path</code>
        {t('noRestart')}
      </p>
      {(containerd.data?.files ?? []).map((f) => (
        <CodeBlock key={f.path} title={`${containerd.data?.config_path}/${f.path}`} text={f.content} />
      ))}
      <h3>{t('crio')}</h3>
      <p className="muted small">
        <code>/etc/containers/registries.conf</code> {t('dropIn')} <code>registries.conf.d/</code>
        {t('dropInEnd')}
      </p>
      {conf.data ? <CodeBlock title="registries.conf" text={conf.data} /> : null}
    </div>
  );
}

export function MirrorsPage() {
  const t = useT(text);
  const { ask, dialog } = useConfirm();
  const groups = useApi<Group[]>('/kube/groups?page_size=100');
  const connections = useApi<Connection[]>('/kube/connections?page_size=100');
  const [adding, setAdding] = useState(false);
  const [generation, setGeneration] = useState(0);
  const action = useAction();
  const changed = () => {
    groups.reload();
    setGeneration((g) => g + 1);
  };
  const name = (id: number) => connections.data?.find((c) => c.id === id)?.name ?? `#${id}`;
  return (
    <section>
      {dialog}
      <KubeTabs current="mirrors" />
      <div className="title-row">
        <p className="muted">{t('intro')}</p>
        {groups.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? t('cancel') : t('newGroup')}
          </button>
        ) : null}
      </div>
      <ErrorBox error={groups.error ?? action.error} onRetry={groups.reload} context={KUBE_CONTEXT} />
      {adding && connections.data ? (
        <GroupForm
          connections={connections.data}
          onDone={() => {
            setAdding(false);
            changed();
          }}
        />
      ) : null}
      {groups.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('group')}</th>
                <th>{t('upstream')}</th>
                <th>{t('order')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={g.id}>
                  <td>{g.name}</td>
                  <td className="mono">{g.upstream}</td>
                  <td className="small">
                    {[
                      ...g.members.map((m) => `${name(m.connection_id)}${m.project ? ` (${m.project})` : ''}`),
                      g.upstream,
                    ].join(' → ')}
                  </td>
                  <td className="right">
                    <button
                      type="button"
                      className="link danger-text"
                      onClick={async () => {
                        const ok = await ask({
                          title: t('deleteTitle', { name: g.name }),
                          message: t('deleteMessage'),
                          confirmLabel: t('deleteGroup'),
                        });
                        if (!ok) return;
                        await action.run(() => del(`/kube/groups/${g.id}`));
                        changed();
                      }}
                    >
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              ))}
              {groups.data.length === 0 ? <EmptyRow columns={4}>{t('empty')}</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {groups.data && groups.data.length > 0 ? <Rendered key={generation} /> : null}
    </section>
  );
}

const text = messages(
  {
    runtime: 'Runtime configuration',
    filesUnder: 'Files under',
    containerds: "(containerd's",
    noRestart: '); no restart needed.',
    crio: 'CRI-O and podman',
    dropIn: '(or a drop-in in',
    dropInEnd: ').',
    intro: "Nodes pull an upstream's images from your registries first, and from the upstream last.",
    cancel: 'Cancel',
    newGroup: 'New group',
    group: 'Group',
    upstream: 'Upstream',
    order: 'Tried in order',
    deleteTitle: 'Delete the group {name}?',
    deleteMessage: 'Its mirror files are no longer rendered; the connections stay.',
    deleteGroup: 'Delete group',
    delete: 'Delete',
    empty: 'No groups yet. A group lists the connections that mirror one upstream, such as docker.io.',
  },
  {
    runtime: '运行时配置',
    filesUnder: '文件位于',
    containerds: '（containerd 的',
    noRestart: '）；无需重启。',
    crio: 'CRI-O 与 podman',
    dropIn: '（或放在',
    dropInEnd: '中的附加配置）。',
    intro: '节点先从你的镜像仓库拉取上游镜像，最后才从上游拉取。',
    cancel: '取消',
    newGroup: '新建分组',
    group: '分组',
    upstream: '上游',
    order: '尝试顺序',
    deleteTitle: '删除分组 {name}？',
    deleteMessage: '将不再生成它的镜像加速文件；连接会保留。',
    deleteGroup: '删除分组',
    delete: '删除',
    empty: '尚无分组。分组列出镜像同一上游（如 docker.io）的多个连接。',
  },
);
