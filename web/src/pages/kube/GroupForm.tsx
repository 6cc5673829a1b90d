/** A new connection group: name, upstream, and its mirrors in the order nodes try them. */
import { type FormEvent, useState } from 'react';
import { post } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import type { Connection } from './types.ts';

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

export function GroupForm(props: { connections: Connection[]; onDone: () => void }) {
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
