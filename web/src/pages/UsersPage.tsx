/** Users, for system administrators (Harbor's /users): create, edit, make administrator, reset password, delete. */
import { type FormEvent, useState } from 'react';
import { del, post, put, query } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import { type User, UserEditor } from './UserEditor.tsx';

const catalog = messages(
  {
    title: 'Users',
    newUser: 'New user',
    username: 'Username',
    email: 'Email',
    realname: 'Full name',
    password: 'Password',
    createUser: 'Create user',
    search: 'Search users',
    admin: 'Administrator',
    created: 'Created',
    source: 'Sign-in',
    isAdmin: '{name} is an administrator',
    grantTitle: 'Make {name} a system administrator?',
    grantMessage: '{name} will be able to change every project, user and setting.',
    grant: 'Make administrator',
    revokeTitle: 'Remove the administrator role from {name}?',
    revokeMessage: '{name} keeps their project roles.',
    revoke: 'Remove administrator',
    deleteTitle: 'Delete the user {name}?',
    deleteMessage: 'Their memberships go with them; what they pushed stays.',
    deleteUser: 'Delete user',
    usersNoun: 'users',
    local: 'password',
  },
  {
    title: '用户',
    newUser: '新建用户',
    username: '用户名',
    email: '邮箱',
    realname: '全名',
    password: '密码',
    createUser: '创建用户',
    search: '搜索用户',
    admin: '管理员',
    created: '创建时间',
    source: '登录方式',
    isAdmin: '{name} 是管理员',
    grantTitle: '将 {name} 设为系统管理员？',
    grantMessage: '{name} 将可以修改所有项目、用户和设置。',
    grant: '设为管理员',
    revokeTitle: '取消 {name} 的管理员角色？',
    revokeMessage: '{name} 在各项目中的角色保持不变。',
    revoke: '取消管理员',
    deleteTitle: '删除用户 {name}？',
    deleteMessage: '其项目成员身份将一并删除；其推送的内容保留。',
    deleteUser: '删除用户',
    usersNoun: '个用户',
    local: '密码',
  },
);

const EMPTY = { username: '', email: '', realname: '', password: '' };

export function UsersPage(props: { search: URLSearchParams }) {
  const t = useT(catalog);
  const c = useT(common);
  const { ask, dialog } = useConfirm();
  const { page, pageSize } = pageFrom(props.search);
  const name = props.search.get('q') ?? '';
  const users = useApi<User[]>(
    `/users${query({ page, page_size: pageSize, q: name ? `username=~${name}` : undefined })}`,
  );
  const [form, setForm] = useState(EMPTY);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const action = useAction();
  const permission = 'system administrator';

  const run = async (fn: () => Promise<unknown>) => {
    const ok = (await action.run(async () => (await fn()) ?? true)) !== undefined;
    users.reload();
    return ok;
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => post('/users', { ...form, comment: '' }))) {
      setForm(EMPTY);
      setAdding(false);
    }
  };
  const setAdmin = async (u: User, flag: boolean) => {
    const n = { name: u.username };
    const ok = await ask({
      title: t(flag ? 'grantTitle' : 'revokeTitle', n),
      message: t(flag ? 'grantMessage' : 'revokeMessage', n),
      confirmLabel: t(flag ? 'grant' : 'revoke'),
    });
    if (ok) await run(() => put(`/users/${u.user_id}/sysadmin`, { sysadmin_flag: flag }));
  };
  return (
    <section>
      {dialog}
      <div className="title-row">
        <h1>{t('title')}</h1>
        {users.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? c('cancel') : t('newUser')}
          </button>
        ) : null}
      </div>
      <ErrorBox error={users.error} onRetry={users.reload} context={{ permission, feature: 'user accounts' }} />
      {adding ? (
        <form className="stack-form" onSubmit={create}>
          {(['username', 'email', 'realname', 'password'] as const).map((field) => (
            <label key={field} className="field">
              {t(field)}
              <input
                type={field === 'password' ? 'password' : field === 'email' ? 'email' : 'text'}
                value={form[field]}
                required={field !== 'realname'}
                autoComplete={field === 'password' ? 'new-password' : 'off'}
                onChange={(e) => setForm({ ...form, [field]: e.target.value })}
              />
            </label>
          ))}
          <button type="submit">{t('createUser')}</button>
        </form>
      ) : null}
      <ErrorBox error={action.error} context={{ permission }} />
      {editing ? (
        <UserEditor
          key={editing.user_id}
          user={editing}
          onDone={() => {
            setEditing(null);
            users.reload();
          }}
        />
      ) : null}
      {users.data ? (
        <>
          <div className="toolbar">
            <SearchBox value={name} placeholder={t('search')} />
          </div>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('username')}</th>
                  <th className="hide-narrow">{t('email')}</th>
                  <th>{t('admin')}</th>
                  <th className="hide-narrow">{t('source')}</th>
                  <th className="hide-narrow">{t('created')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {users.data.map((u) => (
                  <tr key={u.user_id}>
                    <td>
                      {u.username}
                      {u.realname ? <div className="muted small">{u.realname}</div> : null}
                    </td>
                    <td className="hide-narrow">{u.email}</td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={t('isAdmin', { name: u.username })}
                        checked={u.sysadmin_flag}
                        disabled={action.busy}
                        onChange={(e) => setAdmin(u, e.target.checked)}
                      />
                    </td>
                    <td className="hide-narrow">{u.auth_source ?? t('local')}</td>
                    <td className="hide-narrow">{dateTime(u.creation_time)}</td>
                    <td className="right nowrap">
                      <button type="button" className="link" onClick={() => setEditing(u)}>
                        {c('edit')}
                      </button>{' '}
                      <button
                        type="button"
                        className="link danger-text"
                        onClick={async () => {
                          const ok = await ask({
                            title: t('deleteTitle', { name: u.username }),
                            message: t('deleteMessage'),
                            confirmLabel: t('deleteUser'),
                          });
                          if (ok) await run(() => del(`/users/${u.user_id}`));
                        }}
                      >
                        {c('delete')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={users.total} noun={t('usersNoun')} />
        </>
      ) : null}
    </section>
  );
}
