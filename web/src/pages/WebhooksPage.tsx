/**
 * A project's webhooks: its policies (Harbor's API), a form for a new one,
 * and each policy's deliveries with status, response code, attempts and log.
 * The signing secret is shown once, right after creation.
 */
import { type FormEvent, useState } from 'react';
import { del, getText, post, put } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useApi } from '../components/use-api.ts';
import { dateTime } from '../format.ts';

interface Policy {
  id: number;
  name: string;
  description: string;
  enabled: boolean;
  event_types: string[];
  targets: { type: string; address: string; skip_cert_verify: boolean; payload_format: string }[];
  creation_time: string;
}

interface Delivery {
  id: number;
  status: string;
  status_message: string;
  start_time: string;
  end_time: string;
  extra_attrs: { event_type: string; response_code: number | null; attempts: number; address: string };
}

const EVENTS = ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'REPLICATION', 'QUOTA_EXCEED', 'QUOTA_WARNING'];

function Deliveries(props: { base: string; policy: Policy }) {
  const list = useApi<Delivery[]>(`${props.base}/${props.policy.id}/executions?page_size=20`);
  const [log, setLog] = useState<{ id: number; text: string } | null>(null);
  const show = async (d: Delivery) =>
    setLog({ id: d.id, text: await getText(`${props.base}/${props.policy.id}/executions/${d.id}/tasks/${d.id}/log`) });
  return (
    <div className="table-wrap">
      <ErrorBox error={list.error} onRetry={list.reload} />
      <table>
        <thead>
          <tr>
            <th>Event</th>
            <th>Status</th>
            <th>Response</th>
            <th>Attempts</th>
            <th className="hide-narrow">Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((d) => (
            <tr key={d.id}>
              <td className="mono small">{d.extra_attrs.event_type}</td>
              <td>
                <span className={d.status === 'Error' ? 'badge danger' : 'badge'}>{d.status}</span>
              </td>
              <td>{d.extra_attrs.response_code ?? '—'}</td>
              <td>{d.extra_attrs.attempts}</td>
              <td className="hide-narrow">{dateTime(d.start_time)}</td>
              <td className="right">
                <button type="button" className="link" onClick={() => show(d)}>
                  Log
                </button>
              </td>
            </tr>
          ))}
          {list.data?.length === 0 ? <EmptyRow columns={6}>No deliveries yet.</EmptyRow> : null}
        </tbody>
      </table>
      <button type="button" className="link" onClick={list.reload}>
        Refresh
      </button>
      {log ? <pre className="log">{log.text || '(empty)'}</pre> : null}
    </div>
  );
}

export function WebhooksPage(props: { project: string }) {
  const base = `/projects/${encodeURIComponent(props.project)}/webhook/policies`;
  const policies = useApi<Policy[]>(`${base}?page_size=100`);
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [authHeader, setAuthHeader] = useState('');
  const [format, setFormat] = useState('Default');
  const [events, setEvents] = useState<Set<string>>(new Set(['PUSH_ARTIFACT']));
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const permission = `change settings of project ${props.project}`;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await post<{ id: number; signing_secret?: string }>(base, {
        name: name.trim(),
        event_types: [...events],
        targets: [{ type: 'http', address: address.trim(), auth_header: authHeader, payload_format: format }],
        enabled: true,
      });
      setSecret(created.signing_secret ?? null);
      setName('');
      setAddress('');
      setAuthHeader('');
      policies.reload();
    } catch (err) {
      setError(describeError(err, { permission, feature: 'webhooks' }));
    }
  };

  const toggle = async (p: Policy) => {
    try {
      await put(`${base}/${p.id}`, { ...p, enabled: !p.enabled });
      policies.reload();
    } catch (err) {
      setError(describeError(err, { permission }));
    }
  };

  const remove = async (p: Policy) => {
    if (!window.confirm(`Delete webhook ${p.name} and its delivery history?`)) return;
    try {
      await del(`${base}/${p.id}`);
      policies.reload();
    } catch (err) {
      setError(describeError(err, { permission }));
    }
  };

  return (
    <section>
      <ProjectTabs project={props.project} current="webhooks" />
      <ErrorBox error={policies.error} onRetry={policies.reload} context={{ permission, feature: 'webhooks' }} />
      {secret ? (
        <div className="secret-box" role="status">
          <h2>Webhook created</h2>
          <p>
            <strong>Copy its signing secret now: it is shown only once.</strong> Each delivery carries{' '}
            <code>X-Berth-Signature: sha256=HMAC(secret, body)</code>.
          </p>
          <CopyField text={secret} label="Copy signing secret" />
          <button type="button" onClick={() => setSecret(null)}>
            I have saved the secret
          </button>
        </div>
      ) : null}
      <form className="robot-form" onSubmit={create}>
        <input
          aria-label="webhook name"
          placeholder="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <input
          aria-label="address"
          placeholder="https://ci.example.com/hook"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          required
        />
        <input
          aria-label="auth header"
          placeholder="Authorization header (optional)"
          value={authHeader}
          onChange={(e) => setAuthHeader(e.target.value)}
        />
        <select aria-label="payload format" value={format} onChange={(e) => setFormat(e.target.value)}>
          <option value="Default">Default (Harbor JSON)</option>
          <option value="CloudEvents">CloudEvents</option>
        </select>
        <fieldset>
          <legend className="small muted">events</legend>
          {EVENTS.map((ev) => (
            <label key={ev} className="check">
              <input
                type="checkbox"
                checked={events.has(ev)}
                onChange={(e) => {
                  const next = new Set(events);
                  if (e.target.checked) next.add(ev);
                  else next.delete(ev);
                  setEvents(next);
                }}
              />
              {ev}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!name.trim() || !address.trim() || events.size === 0}>
          New webhook
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Target</th>
              <th className="hide-narrow">Events</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(policies.data ?? []).map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name}
                  {p.enabled ? null : <span className="badge">disabled</span>}
                </td>
                <td className="mono small">{p.targets.map((t) => `${t.address} (${t.payload_format})`).join(', ')}</td>
                <td className="hide-narrow small">{p.event_types.join(', ')}</td>
                <td className="right">
                  <button type="button" className="link" onClick={() => setOpen(open === p.id ? null : p.id)}>
                    Deliveries
                  </button>{' '}
                  <button type="button" className="link" onClick={() => toggle(p)}>
                    {p.enabled ? 'Disable' : 'Enable'}
                  </button>{' '}
                  <button type="button" className="link danger-text" onClick={() => remove(p)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {policies.data?.length === 0 ? <EmptyRow columns={4}>No webhooks yet.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {open !== null && policies.data?.find((p) => p.id === open) ? (
        <>
          <h2>Deliveries of {policies.data.find((p) => p.id === open)?.name}</h2>
          <Deliveries base={base} policy={policies.data.find((p) => p.id === open) as Policy} />
        </>
      ) : null}
    </section>
  );
}
