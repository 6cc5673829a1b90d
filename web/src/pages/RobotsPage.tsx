/**
 * Robot accounts of a project (or, for administrators, system robots). The
 * secret is shown once, right after creation, with a copy button.
 */
import { type FormEvent, useState } from 'react';
import { del, post, query } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime, podmanCommand, registryHost } from '../format.ts';

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

interface Created {
  id: number;
  name: string;
  secret: string;
  expires_at: number;
}

const ACTIONS = ['pull', 'push', 'delete'] as const;

export function RobotsPage(props: { project?: string; search: URLSearchParams }) {
  const { ask, dialog } = useConfirm();
  const { page, pageSize } = pageFrom(props.search);
  const base = props.project ? `/projects/${encodeURIComponent(props.project)}/robots` : '/robots';
  const listPath = props.project ? base : `/robots${query({ q: 'Level=system' })}`;
  const robots = useApi<Robot[]>(`${listPath}${listPath.includes('?') ? '&' : '?'}page=${page}&page_size=${pageSize}`);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [days, setDays] = useState(30);
  const [actions, setActions] = useState<Set<string>>(new Set(['pull']));
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<string | null>(null);
  const permission = props.project ? `manage robots of project ${props.project}` : 'system administrator';

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const namespace = props.project ?? '*';
    try {
      const robot = await post<Created>(base, {
        name: name.trim(),
        description,
        duration: days,
        level: props.project ? 'project' : 'system',
        permissions: [
          {
            kind: 'project',
            namespace,
            access: [...actions].map((action) => ({ resource: 'repository', action })),
          },
        ],
      });
      setCreated(robot);
      setName('');
      setDescription('');
      robots.reload();
    } catch (err) {
      setError(describeError(err, { permission, feature: 'robot accounts' }));
    }
  };

  const remove = async (robot: Robot) => {
    const ok = await ask({
      title: `Delete ${robot.name}?`,
      message: 'Anything using its secret stops working at once.',
      confirmLabel: 'Delete robot',
    });
    if (!ok) return;
    try {
      await del(`/robots/${robot.id}`);
      robots.reload();
    } catch (err) {
      setError(describeError(err, { permission }));
    }
  };

  return (
    <section>
      {dialog}
      {props.project ? <ProjectTabs project={props.project} current="robots" /> : <h1>System robot accounts</h1>}
      <ErrorBox error={robots.error} onRetry={robots.reload} context={{ permission, feature: 'robot accounts' }} />
      {created ? (
        <div className="secret-box" role="status">
          <h2>Robot {created.name} created</h2>
          <p>
            <strong>Copy its secret now: it is shown only once.</strong>
          </p>
          <CopyField text={created.secret} label="Copy secret" />
          <p className="muted small">Sign in with it:</p>
          <CopyField
            text={podmanCommand('login', `${registryHost()} -u '${created.name}'`)}
            label="Copy login command"
          />
          <button type="button" onClick={() => setCreated(null)}>
            I have saved the secret
          </button>
        </div>
      ) : null}
      {robots.data ? (
        <>
          <form className="robot-form" onSubmit={create}>
            <input
              aria-label="robot name"
              placeholder="name, e.g. ci"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
            <input
              aria-label="description"
              placeholder="description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
            <label>
              expires in
              <select aria-label="expiry" value={days} onChange={(e) => setDays(Number(e.target.value))}>
                <option value={7}>7 days</option>
                <option value={30}>30 days</option>
                <option value={90}>90 days</option>
                <option value={365}>1 year</option>
                <option value={-1}>never</option>
              </select>
            </label>
            <fieldset>
              <legend className="small muted">may</legend>
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
                  {a}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={!name.trim() || actions.size === 0}>
              New robot account
            </button>
          </form>
          {error ? <p className="error">{error}</p> : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Permissions</th>
                  <th className="hide-narrow">Expires</th>
                  <th className="hide-narrow">Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {robots.data.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <span className="mono">{r.name}</span>
                      {r.disable ? <span className="badge">disabled</span> : null}
                      <div className="muted small">{r.description}</div>
                    </td>
                    <td className="small">
                      {r.permissions
                        .map((p) => `${p.namespace}: ${p.access.map((a) => a.action).join(', ')}`)
                        .join('; ')}
                    </td>
                    <td className="hide-narrow">
                      {r.expires_at === -1 ? 'never' : dateTime(new Date(r.expires_at * 1000).toISOString())}
                    </td>
                    <td className="hide-narrow">{dateTime(r.creation_time)}</td>
                    <td className="right">
                      <button type="button" className="link danger-text" onClick={() => remove(r)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
                {robots.data.length === 0 ? <EmptyRow columns={5}>No robot accounts yet.</EmptyRow> : null}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={robots.total} noun="robots" />
        </>
      ) : null}
    </section>
  );
}
