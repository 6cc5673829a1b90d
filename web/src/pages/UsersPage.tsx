/** Local users, for system administrators (Harbor's /users). */
import { type FormEvent, useState } from 'react';
import { del, post, put, query } from '../api.ts';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';

interface User {
  user_id: number;
  username: string;
  email?: string;
  realname?: string;
  sysadmin_flag: boolean;
  creation_time?: string;
}

const EMPTY = { username: '', email: '', realname: '', password: '' };

export function UsersPage(props: { search: URLSearchParams }) {
  const { ask, dialog } = useConfirm();
  const { page, pageSize } = pageFrom(props.search);
  const name = props.search.get('q') ?? '';
  const users = useApi<User[]>(
    `/users${query({ page, page_size: pageSize, q: name ? `username=~${name}` : undefined })}`,
  );
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const permission = 'system administrator';

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      users.reload();
      return true;
    } catch (err) {
      setError(describeError(err, { permission }));
      return false;
    }
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => post('/users', { ...form, comment: '' }))) {
      setForm(EMPTY);
      setAdding(false);
    }
  };
  return (
    <section>
      {dialog}
      <div className="title-row">
        <h1>Users</h1>
        {users.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'New user'}
          </button>
        ) : null}
      </div>
      <ErrorBox error={users.error} onRetry={users.reload} context={{ permission, feature: 'user accounts' }} />
      {adding ? (
        <form className="stack-form" onSubmit={create}>
          {(['username', 'email', 'realname', 'password'] as const).map((field) => (
            <label key={field} className="field">
              {field === 'realname' ? 'full name' : field}
              <input
                type={field === 'password' ? 'password' : field === 'email' ? 'email' : 'text'}
                value={form[field]}
                required={field !== 'realname'}
                autoComplete={field === 'password' ? 'new-password' : 'off'}
                onChange={(e) => setForm({ ...form, [field]: e.target.value })}
              />
            </label>
          ))}
          <button type="submit">Create user</button>
        </form>
      ) : null}
      {error ? <p className="error">{error}</p> : null}
      {users.data ? (
        <>
          <div className="toolbar">
            <SearchBox value={name} placeholder="Search users" />
          </div>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Username</th>
                  <th className="hide-narrow">Email</th>
                  <th>Administrator</th>
                  <th className="hide-narrow">Created</th>
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
                        aria-label={`${u.username} is an administrator`}
                        checked={u.sysadmin_flag}
                        onChange={(e) =>
                          run(() => put(`/users/${u.user_id}/sysadmin`, { sysadmin_flag: e.target.checked }))
                        }
                      />
                    </td>
                    <td className="hide-narrow">{dateTime(u.creation_time)}</td>
                    <td className="right">
                      <button
                        type="button"
                        className="link danger-text"
                        onClick={async () => {
                          const ok = await ask({
                            title: `Delete the user ${u.username}?`,
                            message: 'Their memberships go with them; what they pushed stays.',
                            confirmLabel: 'Delete user',
                          });
                          if (ok) await run(() => del(`/users/${u.user_id}`));
                        }}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={users.total} noun="users" />
        </>
      ) : null}
    </section>
  );
}
