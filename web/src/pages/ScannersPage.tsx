/**
 * Scanners (Harbor's /scanners, administrators): the built-in offline scanner
 * and external adapters of the pluggable scanner API. Register one (its
 * credential is sent, never shown), test it, make it the default, delete it.
 */
import { useState } from 'react';
import { del, get, post, request } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    title: 'Scanners',
    intro:
      'Berth scans with its built-in offline scanner. A scanner adapter that speaks Harbor’s pluggable scanner API (Trivy’s, for one) can be registered and made the default; it pulls each image from Berth with a short-lived pull-only credential.',
    add: 'New scanner',
    newTitle: 'New scanner',
    url: 'Adapter URL',
    auth: 'Authentication',
    authNone: 'None',
    credential: 'Credential',
    description: 'Description',
    skipVerify: 'Do not verify the TLS certificate',
    testConnection: 'Test connection',
    answered: 'The adapter answered its metadata.',
    test: 'Test',
    makeDefault: 'Make default',
    isDefault: 'Default',
    builtIn: 'built-in',
    status: 'Status',
    updated: 'Updated',
    confirmDelete: 'Delete scanner {name}?',
    confirmDeleteText: 'Projects that use it fall back to the default scanner.',
    empty: 'No scanners.',
  },
  {
    title: '扫描器',
    intro:
      'Berth 使用内置的离线扫描器。也可以注册实现 Harbor 可插拔扫描器 API 的扫描器适配器（例如 Trivy 的）并设为默认；它使用短期、只读的拉取凭据从 Berth 拉取每个镜像。',
    add: '新建扫描器',
    newTitle: '新建扫描器',
    url: '适配器地址',
    auth: '认证方式',
    authNone: '无',
    credential: '凭据',
    description: '描述',
    skipVerify: '不验证 TLS 证书',
    testConnection: '测试连接',
    answered: '适配器已返回其元数据。',
    test: '测试',
    makeDefault: '设为默认',
    isDefault: '默认',
    builtIn: '内置',
    status: '状态',
    updated: '更新时间',
    confirmDelete: '删除扫描器 {name}？',
    confirmDeleteText: '使用它的项目将改用默认扫描器。',
    empty: '没有扫描器。',
  },
);

interface Scanner {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  skip_certVerify: boolean;
  update_time: string;
}

interface Metadata {
  scanner: { name: string; vendor: string; version: string };
}

const BUILT_IN = 'berth-builtin';
/** Authentication schemes of the pluggable scanner API: names, the same in every language. */
const AUTH_SCHEMES = ['Basic', 'Bearer', 'APIKey'];
const describe = (m: Metadata) => `${m.scanner.name} ${m.scanner.version} (${m.scanner.vendor})`;

function ScannerForm(props: { onDone: (saved: boolean) => void }) {
  const t = useT(catalog);
  const c = useT(common);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [auth, setAuth] = useState('');
  const [credential, setCredential] = useState('');
  const [description, setDescription] = useState('');
  const [skip, setSkip] = useState(false);
  const [answered, setAnswered] = useState<string | null>(null);
  const save = useAction();
  const test = useAction();
  const body = { name, url, auth, ...(auth && credential ? { access_credential: credential } : {}) };
  return (
    <form
      className="panel form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void save
          .run(() => post('/scanners', { ...body, description, skip_certVerify: skip }))
          .then((r) => r !== undefined && props.onDone(true));
      }}
    >
      <h2>{t('newTitle')}</h2>
      <label>
        {c('name')} <input value={name} onChange={(ev) => setName(ev.target.value)} required />
      </label>
      <label>
        {t('url')}{' '}
        <input
          value={url}
          placeholder="https://trivy-adapter.internal:8080"
          onChange={(ev) => setUrl(ev.target.value)}
          required
        />
      </label>
      <label>
        {t('auth')}
        <select value={auth} onChange={(ev) => setAuth(ev.target.value)}>
          <option value="">{t('authNone')}</option>
          {AUTH_SCHEMES.map((scheme) => (
            <option key={scheme} value={scheme}>
              {scheme}
            </option>
          ))}
        </select>
      </label>
      {auth ? (
        <label>
          {t('credential')}{' '}
          <input
            type="password"
            value={credential}
            autoComplete="new-password"
            onChange={(ev) => setCredential(ev.target.value)}
          />
        </label>
      ) : null}
      <label>
        {t('description')} <input value={description} onChange={(ev) => setDescription(ev.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={skip} onChange={(ev) => setSkip(ev.target.checked)} /> {t('skipVerify')}
      </label>
      <ErrorBox error={save.error} />
      <ErrorBox error={test.error} />
      {answered ? <p className="notice">{answered}</p> : null}
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          {c('create')}
        </button>
        <button
          type="button"
          disabled={test.busy}
          onClick={() => {
            setAnswered(null);
            void test
              .run(() => post('/scanners/ping', body))
              .then((r) => r !== undefined && setAnswered(t('answered')));
          }}
        >
          {t('testConnection')}
        </button>
        <button type="button" onClick={() => props.onDone(false)}>
          {c('cancel')}
        </button>
      </div>
    </form>
  );
}

export function ScannersPage() {
  const t = useT(catalog);
  const c = useT(common);
  const list = useApi<Scanner[]>('/scanners');
  const [adding, setAdding] = useState(false);
  const [tested, setTested] = useState<Record<string, string>>({});
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const ping = (s: Scanner) =>
    action
      .run(() => get<Metadata>(`/scanners/${s.uuid}/metadata`))
      .then((m) => m && setTested((old) => ({ ...old, [s.uuid]: describe(m) })));
  const makeDefault = (s: Scanner) =>
    action
      .run(() => request(`/scanners/${s.uuid}`, { method: 'PATCH', body: { is_default: true } }))
      .finally(list.reload);
  const remove = async (s: Scanner) => {
    const ok = await ask({
      title: t('confirmDelete', { name: s.name }),
      message: t('confirmDeleteText'),
      confirmLabel: c('delete'),
    });
    if (ok) await action.run(() => del(`/scanners/${s.uuid}`)).finally(list.reload);
  };
  return (
    <section>
      <h1>{t('title')}</h1>
      <p className="notice">{t('intro')}</p>
      <ErrorBox error={list.error ?? action.error} onRetry={list.reload} />
      {adding ? (
        <ScannerForm
          onDone={(saved) => {
            setAdding(false);
            if (saved) list.reload();
          }}
        />
      ) : (
        <div className="toolbar">
          <button type="button" onClick={() => setAdding(true)}>
            {t('add')}
          </button>
        </div>
      )}
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th>{c('name')}</th>
              <th>{t('url')}</th>
              <th>{t('status')}</th>
              <th className="hide-narrow">{t('updated')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((s) => (
              <tr key={s.uuid}>
                <td>
                  {s.name}
                  {s.uuid === BUILT_IN ? <span className="badge">{t('builtIn')}</span> : null}
                  {s.is_default ? <span className="badge derived">{t('isDefault')}</span> : null}
                </td>
                <td>
                  <code>{s.url}</code>
                  {s.auth ? ` (${s.auth})` : ''}
                </td>
                <td>
                  {s.disabled ? c('disabled') : c('enabled')}
                  {tested[s.uuid] ? <div className="muted">{tested[s.uuid]}</div> : null}
                </td>
                <td className="hide-narrow">{dateTime(s.update_time)}</td>
                <td className="buttons">
                  <button type="button" onClick={() => void ping(s)} disabled={action.busy}>
                    {t('test')}
                  </button>
                  {s.is_default ? null : (
                    <button type="button" onClick={() => void makeDefault(s)} disabled={action.busy}>
                      {t('makeDefault')}
                    </button>
                  )}
                  {s.uuid === BUILT_IN ? null : (
                    <button type="button" onClick={() => void remove(s)} disabled={action.busy}>
                      {c('delete')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {list.data?.length === 0 ? <EmptyRow columns={5}>{t('empty')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {dialog}
    </section>
  );
}
