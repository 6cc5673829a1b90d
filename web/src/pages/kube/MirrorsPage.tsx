/**
 * Connection groups (registries mirroring one upstream, tried in order, the
 * upstream last) and the runtime files they render: containerd's hosts.toml
 * per upstream and CRI-O/podman's registries.conf.
 */
import { type FormEvent, useState } from 'react';
import { del, post } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { describeError, ErrorBox } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Connection, Group } from './types.ts';

type Member = { connection_id: number; project?: string };

function MemberList(props: { members: Member[]; connections: Connection[]; onChange: (m: Member[]) => void }) {
  const name = (id: number) => props.connections.find((c) => c.id === id)?.name ?? `#${id}`;
  const move = (i: number, by: number) => {
    const next = [...props.members];
    const [m] = next.splice(i, 1);
    next.splice(i + by, 0, m);
    props.onChange(next);
  };
  return (
    <ol className="members">
      {props.members.map((m, i) => (
        <li key={`${m.connection_id}-${m.project ?? ''}`}>
          <span>
            <strong>{name(m.connection_id)}</strong>
            {m.project ? <span className="muted"> · project {m.project}</span> : null}
          </span>
          <span className="actions-row">
            <button type="button" className="link" aria-label="up" disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button
              type="button"
              className="link"
              aria-label="down"
              disabled={i === props.members.length - 1}
              onClick={() => move(i, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              className="link danger-text"
              aria-label="remove"
              onClick={() => props.onChange(props.members.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}

function GroupForm(props: { connections: Connection[]; onDone: () => void }) {
  const [name, setName] = useState('');
  const [upstream, setUpstream] = useState('docker.io');
  const [members, setMembers] = useState<Member[]>([]);
  const [pick, setPick] = useState<number | ''>(props.connections[0]?.id ?? '');
  const [project, setProject] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await action.run(() =>
      post('/kube/groups', { name: name.trim(), upstream: upstream.trim(), members }),
    );
    if (made) props.onDone();
  };
  return (
    <form className="panel kube-form" onSubmit={submit}>
      <h2>New connection group</h2>
      <label className="field">
        Name
        <input
          aria-label="Group name"
          value={name}
          placeholder="e.g. dockerhub"
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <FieldError error={action.error} field="name" />
      <label className="field">
        Upstream
        <input aria-label="Upstream" value={upstream} onChange={(e) => setUpstream(e.target.value)} />
      </label>
      <span className="hint">The registry host images name (docker.io, ghcr.io); tried last.</span>
      <FieldError error={action.error} field="upstream" />
      <fieldset className="choice">
        <legend>Mirrors, tried first to last</legend>
        <MemberList members={members} connections={props.connections} onChange={setMembers} />
        <div className="inline-form">
          <select aria-label="Mirror connection" value={pick} onChange={(e) => setPick(Number(e.target.value))}>
            {props.connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <input
            aria-label="Proxy project"
            placeholder="proxy-cache project (optional)"
            value={project}
            onChange={(e) => setProject(e.target.value)}
          />
          <button
            type="button"
            disabled={pick === ''}
            onClick={() => {
              setMembers([
                ...members,
                { connection_id: Number(pick), ...(project.trim() ? { project: project.trim() } : {}) },
              ]);
              setProject('');
            }}
          >
            Add mirror
          </button>
        </div>
      </fieldset>
      <FieldError error={action.error} field="members" />
      {action.error && !isFieldError(action.error, ['name', 'upstream', 'members']) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || !name.trim() || members.length === 0}>
          Create group
        </button>
      </div>
    </form>
  );
}

/** Remounted (by key) when groups change, so both files are read again. */
function Rendered() {
  const containerd = useApi<{ config_path: string; files: { path: string; content: string }[] }>(
    '/kube/mirrors?format=containerd',
  );
  const conf = useApi<string>('/kube/mirrors?format=registries.conf', { text: true });
  return (
    <div className="panel">
      <h2>Runtime configuration</h2>
      <ErrorBox error={containerd.error ?? conf.error} context={KUBE_CONTEXT} />
      <h3>containerd</h3>
      <p className="muted small">
        Files under <code>{containerd.data?.config_path ?? '/etc/containerd/certs.d'}</code> (containerd's{' '}
        <code>config_path</code>); no restart needed.
      </p>
      {(containerd.data?.files ?? []).map((f) => (
        <CodeBlock key={f.path} title={`${containerd.data?.config_path}/${f.path}`} text={f.content} />
      ))}
      <h3>CRI-O and podman</h3>
      <p className="muted small">
        <code>/etc/containers/registries.conf</code> (or a drop-in in <code>registries.conf.d/</code>).
      </p>
      {conf.data ? <CodeBlock title="registries.conf" text={conf.data} /> : null}
    </div>
  );
}

export function MirrorsPage() {
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
      <KubeTabs current="mirrors" />
      <div className="title-row">
        <p className="muted">Nodes pull an upstream's images from your registries first, and from the upstream last.</p>
        {groups.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'New group'}
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
                <th>Group</th>
                <th>Upstream</th>
                <th>Tried in order</th>
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
                        if (!window.confirm(`Delete the group ${g.name}?`)) return;
                        await action.run(() => del(`/kube/groups/${g.id}`));
                        changed();
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {groups.data.length === 0 ? (
                <tr>
                  <td colSpan={4} className="muted">
                    No groups yet. A group lists the connections that mirror one upstream, such as docker.io.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {groups.data && groups.data.length > 0 ? <Rendered key={generation} /> : null}
    </section>
  );
}
