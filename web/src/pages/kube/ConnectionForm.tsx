/**
 * Create or change a registry connection. A new Berth connection may get its
 * credentials as a pull-only robot made in the same step (pick the project);
 * otherwise a username and password. Errors the API pins on one field show
 * under that field.
 */
import { type FormEvent, useState } from 'react';
import { post, put } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import { CONNECTION_TYPES, type Connection } from './types.ts';

const FIELDS = ['name', 'type', 'address', 'username', 'password', 'email', 'robot', 'robot.project', 'robot.name'];

interface Form {
  name: string;
  type: string;
  address: string;
  username: string;
  password: string;
  description: string;
  credentials: 'password' | 'robot';
  project: string;
  robotName: string;
}

export function ConnectionForm(props: { initial?: Connection; onDone: (c: Connection) => void; onCancel: () => void }) {
  const editing = props.initial;
  const [form, setForm] = useState<Form>({
    name: editing?.name ?? '',
    type: editing?.type ?? 'berth',
    address: editing?.address ?? location.origin,
    username: editing?.username ?? '',
    password: '',
    description: editing?.description ?? '',
    credentials: editing ? 'password' : 'robot',
    project: '',
    robotName: '',
  });
  const robot = !editing && form.type === 'berth' && form.credentials === 'robot';
  const projects = useApi<{ project_id: number; name: string }[]>(robot ? '/projects?page_size=100' : null);
  const action = useAction();
  const set = (changes: Partial<Form>) => setForm((f) => ({ ...f, ...changes }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      type: form.type,
      address: form.address.trim(),
      description: form.description,
    };
    if (robot) {
      body.robot = { project: form.project, ...(form.robotName.trim() ? { name: form.robotName.trim() } : {}) };
    } else if (!editing?.berth_robot || editing.berth_robot !== editing.username) {
      body.username = form.username.trim();
      if (form.password || !editing) body.password = form.password;
    }
    const saved = await action.run(() =>
      editing
        ? put<Connection>(`/kube/connections/${editing.id}`, body)
        : post<Connection>('/kube/connections', { ...body, name: form.name.trim() }),
    );
    if (saved) props.onDone(saved);
  };

  const text = (field: keyof Form, label: string, extra: { type?: string; placeholder?: string } = {}) => (
    <label className="field">
      {label}
      <input
        aria-label={label}
        type={extra.type ?? 'text'}
        value={form[field]}
        placeholder={extra.placeholder}
        autoComplete={extra.type === 'password' ? 'new-password' : 'off'}
        onChange={(e) => set({ [field]: e.target.value })}
      />
    </label>
  );

  return (
    <form className="panel kube-form" onSubmit={submit}>
      <h2>{editing ? `Edit ${editing.name}` : 'New registry connection'}</h2>
      {editing ? null : (
        <>
          {text('name', 'Name', { placeholder: 'e.g. internal' })}
          <FieldError error={action.error} field="name" />
        </>
      )}
      <label className="field">
        Type
        <select aria-label="Type" value={form.type} onChange={(e) => set({ type: e.target.value })}>
          {CONNECTION_TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <FieldError error={action.error} field="type" />
      {text('address', 'Address', { placeholder: 'https://reg.example.com' })}
      <span className="hint">Starts with https:// (or http:// for a registry without TLS).</span>
      <FieldError error={action.error} field="address" />
      {!editing && form.type === 'berth' ? (
        <fieldset className="choice">
          <legend>Credentials</legend>
          <label className="check">
            <input
              type="radio"
              name="credentials"
              checked={form.credentials === 'robot'}
              onChange={() => set({ credentials: 'robot' })}
            />
            Create a Berth robot (pull only)
          </label>
          <label className="check">
            <input
              type="radio"
              name="credentials"
              checked={form.credentials === 'password'}
              onChange={() => set({ credentials: 'password' })}
            />
            Username and password
          </label>
        </fieldset>
      ) : null}
      {robot ? (
        <>
          <label className="field">
            Project
            <select aria-label="Project" value={form.project} onChange={(e) => set({ project: e.target.value })}>
              <option value="">choose a project…</option>
              {(projects.data ?? []).map((p) => (
                <option key={p.project_id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <FieldError error={action.error} field={['robot', 'robot.project']} />
          {text('robotName', 'Robot name', { placeholder: form.name ? `default: ${form.name}` : 'default: the name' })}
          <span className="hint">
            Becomes{' '}
            <code>
              robot${form.project || 'project'}+{form.robotName || form.name || 'name'}
            </code>
            ; when its secret is refreshed, this connection and its copies in clusters follow.
          </span>
          <FieldError error={action.error} field="robot.name" />
        </>
      ) : editing?.berth_robot && editing.berth_robot === editing.username ? (
        <p className="hint">
          Credentials: the robot <code>{editing.berth_robot}</code>. Refresh its secret on its project's robot page;
          this connection and its copies in clusters follow.
        </p>
      ) : (
        <>
          {text('username', 'Username')}
          <FieldError error={action.error} field="username" />
          {text('password', editing ? 'Password (leave empty to keep)' : 'Password', { type: 'password' })}
          <FieldError error={action.error} field="password" />
        </>
      )}
      {text('description', 'Description')}
      {action.error && !isFieldError(action.error, FIELDS) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={action.busy || (robot && !form.project)}>
          {action.busy ? 'Saving…' : editing ? 'Save' : robot ? 'Create connection and robot' : 'Create connection'}
        </button>
      </div>
    </form>
  );
}
