/**
 * Robot accounts of a project (or, for administrators, system robots):
 * create, disable/enable, refresh the secret, delete. A secret is shown once,
 * right after creation or refresh, with a copy button; expiry is shown and an
 * expired robot says so.
 */
import { type FormEvent, useState } from 'react';
import { del, patch, post, put, query } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import '../components/admin.css';
import { dateTime, podmanCommand, registryHost } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    ariaExpiry: 'Expiry',
    systemTitle: 'System robot accounts',
    created: 'Robot {name} created',
    refreshed: 'New secret for {name}',
    copyNow: 'Copy its secret now: it is shown only once.',
    copySecret: 'Copy secret',
    signIn: 'Sign in with it:',
    copyLogin: 'Copy login command',
    saved: 'I have saved the secret',
    robotName: 'robot name',
    namePlaceholder: 'name, e.g. ci',
    description: 'description',
    expiresIn: 'expires in',
    days7: '7 days',
    days30: '30 days',
    days90: '90 days',
    year: '1 year',
    never: 'never',
    may: 'may',
    pull: 'pull',
    push: 'push',
    delete: 'delete',
    newRobot: 'New robot account',
    name: 'Name',
    permissions: 'Permissions',
    expires: 'Expires',
    createdAt: 'Created',
    disabledBadge: 'disabled',
    expiredBadge: 'expired',
    empty: 'No robot accounts yet.',
    disable: 'Disable',
    enable: 'Enable',
    refresh: 'Refresh secret',
    disableTitle: 'Disable {name}?',
    disableMessage: 'Logins with its secret are refused until it is enabled again.',
    refreshTitle: 'Refresh the secret of {name}?',
    refreshMessage:
      'A new secret is made and shown once. The old one stops working (pull secrets in synced Kubernetes clusters keep working until each cluster holds the new one).',
    deleteTitle: 'Delete {name}?',
    deleteMessage: 'Anything using its secret stops working at once.',
    deleteRobot: 'Delete robot',
    robotsNoun: 'robots',
  },
  {
    ariaExpiry: '有效期',
    systemTitle: '系统级机器人账号',
    created: '已创建机器人 {name}',
    refreshed: '{name} 的新密钥',
    copyNow: '请立即复制密钥：它只显示这一次。',
    copySecret: '复制密钥',
    signIn: '使用它登录：',
    copyLogin: '复制登录命令',
    saved: '我已保存密钥',
    robotName: '机器人名称',
    namePlaceholder: '名称，例如 ci',
    description: '描述',
    expiresIn: '有效期',
    days7: '7 天',
    days30: '30 天',
    days90: '90 天',
    year: '1 年',
    never: '永不过期',
    may: '权限',
    pull: '拉取',
    push: '推送',
    delete: '删除',
    newRobot: '新建机器人账号',
    name: '名称',
    permissions: '权限',
    expires: '过期时间',
    createdAt: '创建时间',
    disabledBadge: '已禁用',
    expiredBadge: '已过期',
    empty: '还没有机器人账号。',
    disable: '禁用',
    enable: '启用',
    refresh: '刷新密钥',
    disableTitle: '禁用 {name}？',
    disableMessage: '在重新启用之前，使用其密钥的登录将被拒绝。',
    refreshTitle: '刷新 {name} 的密钥？',
    refreshMessage:
      '将生成一个新密钥并只显示一次。旧密钥随即失效（已同步到 Kubernetes 集群的拉取密钥会保持可用，直到每个集群都拿到新密钥）。',
    deleteTitle: '删除 {name}？',
    deleteMessage: '所有使用其密钥的地方将立即失效。',
    deleteRobot: '删除机器人',
    robotsNoun: '个机器人',
  },
);

interface Robot {
  id: number;
  name: string;
  description: string;
  level: string;
  disable: boolean;
  expires_at: number;
  permissions: { namespace: string; access: { resource: string; action: string }[] }[];
  creation_time: string;
}

interface Shown {
  name: string;
  secret: string;
  kind: 'created' | 'refreshed';
}

const ACTIONS = ['pull', 'push', 'delete'] as const;

export function RobotsPage(props: { project?: string; search: URLSearchParams }) {
  const t = useT(catalog);
  const c = useT(common);
  const { ask, dialog } = useConfirm();
  const { page, pageSize } = pageFrom(props.search);
  const base = props.project ? `/projects/${encodeURIComponent(props.project)}/robots` : '/robots';
  const listPath = props.project ? base : `/robots${query({ q: 'Level=system' })}`;
  const robots = useApi<Robot[]>(`${listPath}${listPath.includes('?') ? '&' : '?'}page=${page}&page_size=${pageSize}`);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [days, setDays] = useState(30);
  const [actions, setActions] = useState<Set<string>>(new Set(['pull']));
  const [shown, setShown] = useState<Shown | null>(null);
  const action = useAction();
  const permission = props.project ? `manage robots of project ${props.project}` : 'system administrator';
  const now = Date.now() / 1000;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const namespace = props.project ?? '*';
    const robot = await action.run(() =>
      post<{ name: string; secret: string }>(base, {
        name: name.trim(),
        description,
        duration: days,
        level: props.project ? 'project' : 'system',
        permissions: [
          { kind: 'project', namespace, access: [...actions].map((a) => ({ resource: 'repository', action: a })) },
        ],
      }),
    );
    if (!robot) return;
    setShown({ name: robot.name, secret: robot.secret, kind: 'created' });
    setName('');
    setDescription('');
    robots.reload();
  };

  const setDisabled = async (robot: Robot, disable: boolean) => {
    if (disable) {
      const ok = await ask({
        title: t('disableTitle', { name: robot.name }),
        message: t('disableMessage'),
        confirmLabel: t('disable'),
      });
      if (!ok) return;
    }
    await action.run(() => put(`/robots/${robot.id}`, { disable }));
    robots.reload();
  };

  const refresh = async (robot: Robot) => {
    const ok = await ask({
      title: t('refreshTitle', { name: robot.name }),
      message: t('refreshMessage'),
      confirmLabel: t('refresh'),
    });
    if (!ok) return;
    const answer = await action.run(() => patch<{ secret: string }>(`/robots/${robot.id}`, {}));
    if (answer) setShown({ name: robot.name, secret: answer.secret, kind: 'refreshed' });
  };

  const remove = async (robot: Robot) => {
    const ok = await ask({
      title: t('deleteTitle', { name: robot.name }),
      message: t('deleteMessage'),
      confirmLabel: t('deleteRobot'),
    });
    if (!ok) return;
    await action.run(() => del(`/robots/${robot.id}`));
    robots.reload();
  };

  return (
    <section>
      {dialog}
      {props.project ? <ProjectTabs project={props.project} current="robots" /> : <h1>{t('systemTitle')}</h1>}
      <ErrorBox error={robots.error} onRetry={robots.reload} context={{ permission, feature: 'robot accounts' }} />
      {shown ? (
        <div className="secret-box" role="status">
          <h2>{t(shown.kind, { name: shown.name })}</h2>
          <p>
            <strong>{t('copyNow')}</strong>
          </p>
          <CopyField text={shown.secret} label={t('copySecret')} />
          <p className="muted small">{t('signIn')}</p>
          <CopyField text={podmanCommand('login', `${registryHost()} -u '${shown.name}'`)} label={t('copyLogin')} />
          <button type="button" onClick={() => setShown(null)}>
            {t('saved')}
          </button>
        </div>
      ) : null}
      {robots.data ? (
        <>
          <form className="robot-form" onSubmit={create}>
            <input
              aria-label={t('robotName')}
              placeholder={t('namePlaceholder')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <input
              aria-label={t('description')}
              placeholder={t('description')}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
            <label>
              {t('expiresIn')}
              <select aria-label={t('ariaExpiry')} value={days} onChange={(e) => setDays(Number(e.target.value))}>
                <option value={7}>{t('days7')}</option>
                <option value={30}>{t('days30')}</option>
                <option value={90}>{t('days90')}</option>
                <option value={365}>{t('year')}</option>
                <option value={-1}>{t('never')}</option>
              </select>
            </label>
            <fieldset>
              <legend className="small muted">{t('may')}</legend>
              {ACTIONS.map((a) => (
                <label key={a} className="check">
                  <input
                    type="checkbox"
                    checked={actions.has(a)}
                    onChange={(e) => {
                      const next = new Set(actions);
                      if (e.target.checked) next.add(a);
                      else next.delete(a);
                      setActions(next);
                    }}
                  />
                  {t(a)}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={!name.trim() || actions.size === 0 || action.busy}>
              {t('newRobot')}
            </button>
          </form>
          <ErrorBox error={action.error} context={{ permission, feature: 'robot accounts' }} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('name')}</th>
                  <th>{t('permissions')}</th>
                  <th>{t('expires')}</th>
                  <th className="hide-narrow">{t('createdAt')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {robots.data.map((r) => {
                  const expired = r.expires_at !== -1 && r.expires_at < now;
                  return (
                    <tr key={r.id}>
                      <td>
                        <span className="mono">{r.name}</span>
                        {r.disable ? <span className="badge">{t('disabledBadge')}</span> : null}
                        {expired ? <span className="badge expired">{t('expiredBadge')}</span> : null}
                        <div className="muted small">{r.description}</div>
                      </td>
                      <td className="small">
                        {r.permissions
                          .map((p) => `${p.namespace}: ${p.access.map((a) => a.action).join(', ')}`)
                          .join('; ')}
                      </td>
                      <td>
                        {r.expires_at === -1 ? t('never') : dateTime(new Date(r.expires_at * 1000).toISOString())}
                      </td>
                      <td className="hide-narrow">{dateTime(r.creation_time)}</td>
                      <td className="right nowrap">
                        <button
                          type="button"
                          className="link"
                          disabled={action.busy}
                          onClick={() => setDisabled(r, !r.disable)}
                        >
                          {r.disable ? t('enable') : t('disable')}
                        </button>{' '}
                        <button type="button" className="link" disabled={action.busy} onClick={() => refresh(r)}>
                          {t('refresh')}
                        </button>{' '}
                        <button type="button" className="link danger-text" onClick={() => remove(r)}>
                          {c('delete')}
                        </button>
                      </td>
                    </tr>
                  );
                })}
                {robots.data.length === 0 ? <EmptyRow columns={5}>{t('empty')}</EmptyRow> : null}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={robots.total} noun={t('robotsNoun')} />
        </>
      ) : null}
    </section>
  );
}
