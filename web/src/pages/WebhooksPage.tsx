/**
 * A project's webhooks: its policies (Harbor's API), a form for a new one,
 * and each policy's deliveries with status, response code, attempts and log,
 * refreshed while one is on its way; a failed delivery can be sent again.
 * The signing secret is shown once, right after creation.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { del, getText, post, put } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { useT } from '../i18n/index.ts';
import { webhooksText } from './WebhooksPage.messages.ts';

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

const SIGNATURE = 'X-Berth-Signature: sha256=HMAC(secret, body)';

function Deliveries(props: { base: string; policy: Policy }) {
  const t = useT(webhooksText);
  const c = useT(common);
  const path = `${props.base}/${props.policy.id}/executions`;
  const list = useApi<Delivery[]>(`${path}?page_size=20`);
  const action = useAction();
  const [log, setLog] = useState<{ id: number; text: string } | null>(null);
  const { reload } = list;
  const pending = list.data?.some((d) => d.status === 'Pending' || d.status === 'Running') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(reload, 1_500);
    return () => clearInterval(timer);
  }, [pending, reload]);
  const show = (d: Delivery) =>
    action.run(async () => setLog({ id: d.id, text: await getText(`${path}/${d.id}/tasks/${d.id}/log`) }));
  const retry = (d: Delivery) => action.run(() => post(`${path}/${d.id}/retry`, {})).then(reload);
  return (
    <div className="table-wrap">
      <ErrorBox error={list.error} onRetry={reload} />
      <ErrorBox error={action.error} />
      <table>
        <thead>
          <tr>
            <th>{t('event')}</th>
            <th>{t('status')}</th>
            <th>{t('response')}</th>
            <th>{t('attempts')}</th>
            <th className="hide-narrow">{t('started')}</th>
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
                  {t('log')}
                </button>
                {d.status === 'Error' ? (
                  <>
                    {' '}
                    <button type="button" className="link" disabled={action.busy} onClick={() => retry(d)}>
                      {t('retry')}
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
          {list.data?.length === 0 ? <EmptyRow columns={6}>{t('noDeliveries')}</EmptyRow> : null}
        </tbody>
      </table>
      <button type="button" className="link" onClick={reload}>
        {c('refresh')}
      </button>
      {log ? (
        <>
          <h3>{t('logOf', { id: log.id })}</h3>
          <pre className="log">{log.text || t('emptyLog')}</pre>
        </>
      ) : null}
    </div>
  );
}

export function WebhooksPage(props: { project: string }) {
  const t = useT(webhooksText);
  const c = useT(common);
  const hooks = `/projects/${encodeURIComponent(props.project)}/webhook`;
  const base = `${hooks}/policies`;
  const policies = useApi<Policy[]>(`${base}?page_size=100`);
  const supported = useApi<{ event_type: string[] }>(`${hooks}/events`);
  const save = useAction();
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [authHeader, setAuthHeader] = useState('');
  const [format, setFormat] = useState('Default');
  const [events, setEvents] = useState<Set<string>>(new Set(['PUSH_ARTIFACT']));
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const context = { permission: t('permission', { project: props.project }), feature: t('feature') };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const created = await save.run(() =>
      post<{ id: number; signing_secret?: string }>(base, {
        name: name.trim(),
        event_types: [...events],
        targets: [{ type: 'http', address: address.trim(), auth_header: authHeader, payload_format: format }],
        enabled: true,
      }),
    );
    if (!created) return;
    setSecret(created.signing_secret ?? null);
    setName('');
    setAddress('');
    setAuthHeader('');
    policies.reload();
  };
  const toggle = (p: Policy) =>
    action.run(() => put(`${base}/${p.id}`, { ...p, enabled: !p.enabled })).then(policies.reload);
  const remove = async (p: Policy) => {
    const ok = await ask({
      title: t('deleteTitle'),
      message: t('deleteMessage', { name: p.name }),
      confirmLabel: c('delete'),
    });
    if (ok) await action.run(() => del(`${base}/${p.id}`)).then(policies.reload);
  };
  const opened = policies.data?.find((p) => p.id === open);

  return (
    <section>
      {dialog}
      <ProjectTabs project={props.project} current="webhooks" />
      <ErrorBox error={policies.error} onRetry={policies.reload} context={context} />
      {secret ? (
        <div className="secret-box" role="status">
          <h2>{t('createdTitle')}</h2>
          <p>
            <strong>{t('copySecretNow')}</strong> {t('signatureHint')} <code>{SIGNATURE}</code>.
          </p>
          <CopyField text={secret} label={t('copySecret')} />
          <button type="button" onClick={() => setSecret(null)}>
            {t('savedSecret')}
          </button>
        </div>
      ) : null}
      <form className="robot-form" onSubmit={create}>
        <input
          aria-label={t('webhookName')}
          placeholder={t('webhookName')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <input
          aria-label={t('address')}
          placeholder="https://ci.example.com/hook"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          required
        />
        <input
          aria-label={t('authHeader')}
          placeholder={t('authHeaderHint')}
          value={authHeader}
          onChange={(e) => setAuthHeader(e.target.value)}
        />
        <select aria-label={t('payloadFormat')} value={format} onChange={(e) => setFormat(e.target.value)}>
          <option value="Default">{t('formatDefault')}</option>
          <option value="CloudEvents">{t('formatCloudEvents')}</option>
        </select>
        <fieldset>
          <legend className="small muted">{t('events')}</legend>
          {(supported.data?.event_type ?? ['PUSH_ARTIFACT']).map((ev) => (
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
        <button type="submit" disabled={save.busy || !name.trim() || !address.trim() || events.size === 0}>
          {t('newWebhook')}
        </button>
      </form>
      <ErrorBox error={save.error} context={context} />
      <ErrorBox error={action.error} context={context} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{c('name')}</th>
              <th>{t('target')}</th>
              <th className="hide-narrow">{t('events')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(policies.data ?? []).map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name}
                  {p.enabled ? null : <span className="badge">{c('disabled')}</span>}
                </td>
                <td className="mono small">{p.targets.map((x) => `${x.address} (${x.payload_format})`).join(', ')}</td>
                <td className="hide-narrow small">{p.event_types.join(', ')}</td>
                <td className="right">
                  <button type="button" className="link" onClick={() => setOpen(open === p.id ? null : p.id)}>
                    {t('deliveries')}
                  </button>{' '}
                  <button type="button" className="link" onClick={() => toggle(p)}>
                    {p.enabled ? t('disable') : t('enable')}
                  </button>{' '}
                  <button type="button" className="link danger-text" onClick={() => remove(p)}>
                    {c('delete')}
                  </button>
                </td>
              </tr>
            ))}
            {policies.data?.length === 0 ? <EmptyRow columns={4}>{t('noWebhooks')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {opened ? (
        <>
          <h2>{t('deliveriesOf', { name: opened.name })}</h2>
          <Deliveries base={base} policy={opened} />
        </>
      ) : null}
    </section>
  );
}
