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
import { dateTime } from '../format.ts';

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
      <h2>{e ? `Edit ${e.name}` : 'New registry'}</h2>
      <label>
        Name <input value={name} onChange={(ev) => setName(ev.target.value)} required />
        <FieldError error={save.error} field="name" />
      </label>
      <label>
        Type
        <select value={type} disabled={e !== null} onChange={(ev) => setType(ev.target.value)}>
          {props.types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <FieldError error={save.error} field="type" />
      </label>
      <label>
        URL{' '}
        <input
          value={url}
          placeholder={type === 'docker-hub' ? 'https://registry-1.docker.io' : 'https://registry.example.com'}
          onChange={(ev) => setUrl(ev.target.value)}
        />
        <FieldError error={save.error} field="url" />
      </label>
      <label className="check">
        <input type="checkbox" checked={insecure} onChange={(ev) => setInsecure(ev.target.checked)} /> Do not verify the
        TLS certificate (self-signed upstream)
      </label>
      <label>
        Access key <input value={accessKey} autoComplete="off" onChange={(ev) => setAccessKey(ev.target.value)} />
      </label>
      <label>
        Access secret{' '}
        <input
          type="password"
          value={secret}
          autoComplete="new-password"
          placeholder={e ? 'unchanged' : ''}
          onChange={(ev) => setSecret(ev.target.value)}
        />
      </label>
      <label>
        Description <input value={description} onChange={(ev) => setDescription(ev.target.value)} />
      </label>
      {isFieldError(save.error, FIELDS) ? null : <ErrorBox error={save.error} />}
      <ErrorBox error={test.error} />
      {tested ? <p className="notice">Test: {tested}</p> : null}
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          {e ? 'Save' : 'Create'}
        </button>
        <button type="button" onClick={() => void ping()} disabled={test.busy}>
          Test connection
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
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
  const ping = (r: UpstreamRegistry) => action.run(() => post('/registries/ping', { id: r.id })).finally(list.reload);
  const remove = async (r: UpstreamRegistry) => {
    if (!window.confirm(`Delete registry ${r.name}?`)) return;
    await action.run(() => del(`/registries/${r.id}`));
    list.reload();
  };
  return (
    <section>
      <h1>Registries</h1>
      <p className="notice">
        Upstream registries for proxy-cache projects (a project created with one pulls through Berth and keeps a copy)
        and replication.
      </p>
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
            New registry
          </button>
        </div>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>URL</th>
              <th>Status</th>
              <th className="hide-narrow">Updated</th>
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
                  {r.insecure ? ' (insecure)' : ''}
                </td>
                <td>{r.status}</td>
                <td className="hide-narrow">{dateTime(r.update_time)}</td>
                <td className="buttons">
                  <button type="button" onClick={() => void ping(r)} disabled={action.busy}>
                    Test
                  </button>
                  <button type="button" onClick={() => setEditing(r)}>
                    Edit
                  </button>
                  <button type="button" onClick={() => void remove(r)} disabled={action.busy}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {list.data?.length === 0 ? <EmptyRow columns={6}>No registries yet.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
