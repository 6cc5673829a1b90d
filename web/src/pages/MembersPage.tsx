/** Members of a project and their roles (Harbor's /projects/{p}/members). */
import { type FormEvent, useState } from 'react';
import { del, post, put, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';

interface Member {
  id: number;
  entity_name: string;
  entity_type: string;
  role_id: number;
  role_name: string;
}

export const ROLES = [
  { id: 1, name: 'Project admin', hint: 'everything, including members and settings' },
  { id: 4, name: 'Maintainer', hint: 'push, delete, robots' },
  { id: 2, name: 'Developer', hint: 'push and pull' },
  { id: 3, name: 'Guest', hint: 'pull' },
  { id: 5, name: 'Limited guest', hint: 'pull only, no member list' },
];

export function MembersPage(props: { project: string }) {
  const { ask, dialog } = useConfirm();
  const [filter, setFilter] = useState('');
  const base = `/projects/${encodeURIComponent(props.project)}/members`;
  const members = useApi<Member[]>(`${base}${query({ page_size: 100, entityname: filter })}`);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const manage = `manage members of project ${props.project}`;

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      members.reload();
    } catch (err) {
      setError(describeError(err, { permission: manage }));
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim()) return;
    void run(async () => {
      await post(base, { role_id: role, member_user: { username: username.trim() } });
      setUsername('');
    });
  };
  return (
    <section>
      {dialog}
      <ProjectTabs project={props.project} current="members" />
      <ErrorBox
        error={members.error}
        onRetry={members.reload}
        context={{ permission: `list members of project ${props.project}`, feature: 'project members' }}
      />
      {members.data ? (
        <>
          <form className="inline-form" onSubmit={add}>
            <input
              aria-label="username"
              placeholder="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <select aria-label="role" value={role} onChange={(e) => setRole(Number(e.target.value))}>
              {ROLES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
            <button type="submit">Add member</button>
            <input
              type="search"
              className="search"
              aria-label="filter members"
              placeholder="Filter by name"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </form>
          {error ? <p className="error">{error}</p> : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Member</th>
                  <th>Role</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {members.data.map((m) => (
                  <tr key={m.id}>
                    <td>
                      {m.entity_name} {m.entity_type === 'g' ? <span className="muted small">(group)</span> : null}
                    </td>
                    <td>
                      <select
                        aria-label={`role of ${m.entity_name}`}
                        value={m.role_id}
                        onChange={(e) => run(() => put(`${base}/${m.id}`, { role_id: Number(e.target.value) }))}
                      >
                        {ROLES.map((r) => (
                          <option key={r.id} value={r.id} title={r.hint}>
                            {r.name}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="right">
                      <button
                        type="button"
                        className="link danger-text"
                        onClick={async () => {
                          const ok = await ask({
                            title: `Remove ${m.entity_name} from ${props.project}?`,
                            message: 'They lose their role in this project at once.',
                            confirmLabel: 'Remove member',
                          });
                          if (ok) await run(() => del(`${base}/${m.id}`));
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
                {members.data.length === 0 ? (
                  <EmptyRow columns={3}>No members{filter ? ` named like “${filter}”` : ''}.</EmptyRow>
                ) : null}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
