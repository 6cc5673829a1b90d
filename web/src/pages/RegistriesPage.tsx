/**
 * Upstream registries (Harbor's /registries): the endpoints proxy-cache
 * projects pull from. Create, edit, test (ping) and delete; secrets are sent,
 * never shown.
 */
import { useState } from 'react';
import { del, post, put } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../components/FieldError.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    title: 'Registries',
    intro:
      'Upstream registries for proxy-cache projects (a project created with one pulls through Berth and keeps a copy) and replication.',
    newRegistry: 'New registry',
    editTitle: 'Edit {name}',
    type: 'Type',
    url: 'URL',
    insecure: 'Do not verify the TLS certificate (self-signed upstream)',
    accessKey: 'Access key',
    accessSecret: 'Access secret',
    unchanged: 'unchanged',
    description: 'Description',
    tested: 'Test: {message}',
    testConnection: 'Test connection',
    status: 'Status',
    updated: 'Updated',
    insecureMark: '(insecure)',
    test: 'Test',
    empty: 'No registries yet.',
    deleteTitle: 'Delete registry {name}?',
    deleteMessage: 'Projects and replication rules can no longer use it; a registry still in use is refused.',
    deleteRegistry: 'Delete registry',
  },
  {
    title: '镜像仓库',
    intro: '代理缓存项目（用它创建的项目经由 Berth 拉取并保留一份副本）和复制所用的上游镜像仓库。',
    newRegistry: '新建仓库',
    editTitle: '编辑 {name}',
    type: '类型',
    url: '地址',
    insecure: '不验证 TLS 证书（自签名的上游）',
    accessKey: '访问密钥 ID',
    accessSecret: '访问密钥',
    unchanged: '不变',
    description: '描述',
    tested: '测试：{message}',
    testConnection: '测试连接',
    status: '状态',
    updated: '更新时间',
    insecureMark: '（不安全）',
    test: '测试',
    empty: '还没有仓库。',
    deleteTitle: '删除仓库 {name}？',
    deleteMessage: '项目和复制规则将无法再使用它；仍在使用中的仓库会被拒绝删除。',
    deleteRegistry: '删除仓库',
  },
);

export interface UpstreamRegistry {
  id: number;
  name: string;
  type: string;
  url: string;
  insecure: boolean;
  description: string;
  status: string;
  credential: { type: string; access_key: string };
  update_time: string;
}

const FIELDS = ['name', 'type', 'url', 'credential.type'];

function RegistryForm(props: { editing: UpstreamRegistry | null; types: string[]; onDone: () => void }) {
  const e = props.editing;
  const [name, setName] = useState(e?.name ?? '');
  const [type, setType] = useState(e?.type ?? 'docker-registry');
  const [url, setUrl] = useState(e?.url ?? '');
  const [insecure, setInsecure] = useState(e?.insecure ?? false);
  const [accessKey, setAccessKey] = useState(e?.credential.access_key ?? '');
  const [secret, setSecret] = useState('');
  const [description, setDescription] = useState(e?.description ?? '');
  const [tested, setTested] = useState<string | null>(null);
  const save = useAction();
  const test = useAction();
  const t = useT(catalog);
  const c = useT(common);

  const submit = async () => {
    const done = e
      ? await save.run(() =>
          put(`/registries/${e.id}`, {
            name,
            url,
            insecure,
            description,
            access_key: accessKey,
            ...(secret ? { access_secret: secret } : {}),
          }),
        )
      : await save.run(() =>
          post('/registries', {
            name,
            type,
            url,
            insecure,
            description,
            ...(accessKey ? { credential: { type: 'basic', access_key: accessKey, access_secret: secret } } : {}),
          }),
        );
    if (done !== undefined) props.onDone();
  };
  const ping = async () => {
    setTested(null);
    const r = await test.run(() =>
      post<{ message: string }>('/registries/ping', {
        ...(e ? { id: e.id } : { type }),
        url,
        insecure,
        access_key: accessKey || null,
        access_secret: secret || null,
      }),
    );
    if (r) setTested(r.message);
  };
  return (
    <form
      className="panel form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void submit();
      }}
    >
      <h2>{e ? t('editTitle', { name: e.name }) : t('newRegistry')}</h2>
      <label>
        {c('name')} <input value={name} onChange={(ev) => setName(ev.target.value)} required />
        <FieldError error={save.error} field="name" />
      </label>
      <label>
        {t('type')}
        <select value={type} disabled={e !== null} onChange={(ev) => setType(ev.target.value)}>
          {props.types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <FieldError error={save.error} field="type" />
      </label>
      <label>
        {t('url')}{' '}
        <input
          value={url}
          placeholder={type === 'docker-hub' ? 'https://registry-1.docker.io' : 'https://registry.example.com'}
          onChange={(ev) => setUrl(ev.target.value)}
        />
        <FieldError error={save.error} field="url" />
      </label>
      <label className="check">
        <input type="checkbox" checked={insecure} onChange={(ev) => setInsecure(ev.target.checked)} /> {t('insecure')}
      </label>
      <label>
        {t('accessKey')} <input value={accessKey} autoComplete="off" onChange={(ev) => setAccessKey(ev.target.value)} />
      </label>
      <label>
        {t('accessSecret')}{' '}
        <input
          type="password"
          value={secret}
          autoComplete="new-password"
          placeholder={e ? t('unchanged') : ''}
          onChange={(ev) => setSecret(ev.target.value)}
        />
      </label>
      <label>
        {t('description')} <input value={description} onChange={(ev) => setDescription(ev.target.value)} />
      </label>
      {isFieldError(save.error, FIELDS) ? null : <ErrorBox error={save.error} />}
      <ErrorBox error={test.error} />
      {tested ? <p className="notice">{t('tested', { message: tested })}</p> : null}
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          {e ? c('save') : c('create')}
        </button>
        <button type="button" onClick={() => void ping()} disabled={test.busy}>
          {t('testConnection')}
        </button>
        <button type="button" onClick={props.onDone}>
          {c('cancel')}
        </button>
      </div>
    </form>
  );
}

export function RegistriesPage() {
  const list = useApi<UpstreamRegistry[]>('/registries?page_size=100');
  const types = useApi<string[]>('/adapters');
  const [editing, setEditing] = useState<UpstreamRegistry | 'new' | null>(null);
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const t = useT(catalog);
  const c = useT(common);
  const ping = (r: UpstreamRegistry) => action.run(() => post('/registries/ping', { id: r.id })).finally(list.reload);
  const remove = async (r: UpstreamRegistry) => {
    const ok = await ask({
      title: t('deleteTitle', { name: r.name }),
      message: t('deleteMessage'),
      confirmLabel: t('deleteRegistry'),
    });
    if (!ok) return;
    await action.run(() => del(`/registries/${r.id}`));
    list.reload();
  };
  return (
    <section>
      {dialog}
      <h1>{t('title')}</h1>
      <p className="notice">{t('intro')}</p>
      <ErrorBox error={list.error ?? action.error} onRetry={list.reload} />
      {editing ? (
        <RegistryForm
          editing={editing === 'new' ? null : editing}
          types={types.data ?? ['docker-registry']}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      ) : (
        <div className="toolbar">
          <button type="button" onClick={() => setEditing('new')}>
            {t('newRegistry')}
          </button>
        </div>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{c('name')}</th>
              <th>{t('type')}</th>
              <th>{t('url')}</th>
              <th>{t('status')}</th>
              <th className="hide-narrow">{t('updated')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>{r.type}</td>
                <td>
                  <code>{r.url}</code>
                  {r.insecure ? ` ${t('insecureMark')}` : ''}
                </td>
                <td>{r.status}</td>
                <td className="hide-narrow">{dateTime(r.update_time)}</td>
                <td className="buttons">
                  <button type="button" onClick={() => void ping(r)} disabled={action.busy}>
                    {t('test')}
                  </button>
                  <button type="button" onClick={() => setEditing(r)}>
                    {c('edit')}
                  </button>
                  <button type="button" onClick={() => void remove(r)} disabled={action.busy}>
                    {c('delete')}
                  </button>
                </td>
              </tr>
            ))}
            {list.data?.length === 0 ? <EmptyRow columns={6}>{t('empty')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
