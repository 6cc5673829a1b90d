/**
 * Storage lifecycle (/storage, administrators): usage (logical against
 * physical bytes, per project with quotas), garbage collection (run now with
 * a dry-run preview, schedule, history with logs) and a project's immutable
 * tag rules.
 */
import { useState } from 'react';
import { request } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { bytes, dateTime } from '../format.ts';

interface GcRun {
  id: number;
  job_kind: string;
  job_status: string;
  job_parameters: string;
  creation_time: string;
  update_time: string;
  blobs_deleted: number;
  bytes_freed: number;
  manifests_deleted: number;
  uploads_purged: number;
}
interface Quota {
  id: number;
  ref: { name: string };
  hard: { storage: number };
  used: { storage: number };
  usage: { logical: number; physical: number };
}
interface Rule {
  id: number;
  disabled: boolean;
  tag_selectors: { pattern: string; decoration: string }[];
  scope_selectors: { repository?: { pattern: string; decoration: string }[] };
}

function Savings(props: { logical: number; physical: number }) {
  const saved = props.logical > 0 ? Math.max(0, 1 - props.physical / props.logical) : 0;
  return (
    <span>
      {bytes(props.logical)} logical · {bytes(props.physical)} stored ·{' '}
      <strong>{Math.round(saved * 100)}% saved</strong>
    </span>
  );
}

function GcPanel() {
  const runs = useApi<GcRun[]>('/system/gc?page=1&page_size=10');
  const schedule = useApi<{ schedule: { type: string; cron?: string; next_scheduled_time?: string } }>(
    '/system/gc/schedule',
  );
  const [dryRun, setDryRun] = useState(true);
  const [untagged, setUntagged] = useState(false);
  const [window, setWindow] = useState('2');
  const [cron, setCron] = useState('0 0 3 * * *');
  const [log, setLog] = useState<{ id: number; text: string } | null>(null);
  const action = useAction();
  const parameters = { dry_run: dryRun, delete_untagged: untagged, time_window: Number(window) };
  const start = () =>
    action.run(async () => {
      await request('/system/gc/schedule', { method: 'POST', body: { schedule: { type: 'Manual' }, parameters } });
      setTimeout(runs.reload, 800);
    });
  const save = (type: string) =>
    action.run(async () => {
      await request('/system/gc/schedule', { method: 'PUT', body: { schedule: { type, cron }, parameters } });
      schedule.reload();
    });
  const showLog = (id: number) =>
    action.run(async () => setLog({ id, text: (await request<string>(`/system/gc/${id}/log`, { text: true })).data }));
  return (
    <section>
      <h2>Garbage collection</h2>
      <p className="hint">
        Online: pushes continue. Blobs younger than the grace window, or linked during the run, are kept.
      </p>
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> dry run (preview)
        </label>
        <label>
          <input type="checkbox" checked={untagged} onChange={(e) => setUntagged(e.target.checked)} /> delete untagged
        </label>
        <label>
          grace window (h){' '}
          <input aria-label="time window" size={3} value={window} onChange={(e) => setWindow(e.target.value)} />
        </label>
        <button type="button" className="primary" disabled={action.busy} onClick={start}>
          {dryRun ? 'Preview GC' : 'Run GC now'}
        </button>
      </div>
      <div className="toolbar">
        <span>
          Schedule: <strong>{schedule.data?.schedule.type ?? '…'}</strong> {schedule.data?.schedule.cron ?? ''}
          {schedule.data?.schedule.next_scheduled_time
            ? ` · next ${dateTime(schedule.data.schedule.next_scheduled_time)}`
            : ''}
        </span>
        <input aria-label="cron" value={cron} onChange={(e) => setCron(e.target.value)} />
        <button type="button" onClick={() => save('Custom')}>
          Schedule
        </button>
        <button type="button" onClick={() => save('None')}>
          No schedule
        </button>
      </div>
      <ErrorBox error={action.error ?? runs.error} />
      <table>
        <thead>
          <tr>
            <th>Run</th>
            <th>Kind</th>
            <th>Status</th>
            <th>Blobs</th>
            <th>Freed</th>
            <th>Manifests</th>
            <th>Uploads</th>
            <th>Started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(runs.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>
                {r.job_kind.toLowerCase()}
                {JSON.parse(r.job_parameters).dry_run ? ' · dry run' : ''}
              </td>
              <td>{r.job_status}</td>
              <td>{r.blobs_deleted}</td>
              <td>{bytes(r.bytes_freed)}</td>
              <td>{r.manifests_deleted}</td>
              <td>{r.uploads_purged}</td>
              <td>{dateTime(r.creation_time)}</td>
              <td>
                <button type="button" className="link" onClick={() => showLog(r.id)}>
                  log
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {log ? (
        <div>
          <h3>Log of run {log.id}</h3>
          <pre className="log">{log.text}</pre>
        </div>
      ) : null}
    </section>
  );
}

function QuotaPanel() {
  const quotas = useApi<Quota[]>('/quotas?page=1&page_size=100');
  const total = useApi<{ logical: number; physical: number }>('/storage/usage');
  const action = useAction();
  const setLimit = (q: Quota) => {
    const value = window.prompt(`Storage limit of ${q.ref.name} in bytes (-1: unlimited)`, String(q.hard.storage));
    if (value === null) return;
    action.run(async () => {
      await request(`/quotas/${q.id}`, { method: 'PUT', body: { hard: { storage: Number(value) } } });
      quotas.reload();
    });
  };
  return (
    <section>
      <h2>Usage and quotas</h2>
      <p>Registry: {total.data ? <Savings {...total.data} /> : '…'}</p>
      <ErrorBox error={action.error ?? quotas.error} />
      <table>
        <thead>
          <tr>
            <th>Project</th>
            <th>Used / limit</th>
            <th>Logical vs stored</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(quotas.data ?? []).map((q) => (
            <tr key={q.id}>
              <td>{q.ref.name}</td>
              <td>
                {bytes(q.used.storage)} / {q.hard.storage < 0 ? 'unlimited' : bytes(q.hard.storage)}
                {q.hard.storage > 0 ? (
                  <meter min={0} max={q.hard.storage} value={q.used.storage} aria-label="quota use" />
                ) : null}
              </td>
              <td>
                <Savings {...q.usage} />
              </td>
              <td>
                <button type="button" className="link" onClick={() => setLimit(q)}>
                  set limit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ImmutablePanel() {
  const [project, setProject] = useState('');
  const [pattern, setPattern] = useState('v*');
  const [repos, setRepos] = useState('**');
  const rules = useApi<Rule[]>(project ? `/projects/${encodeURIComponent(project)}/immutabletagrules` : null);
  const action = useAction();
  const add = () =>
    action.run(async () => {
      await request(`/projects/${encodeURIComponent(project)}/immutabletagrules`, {
        method: 'POST',
        body: {
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repos }] },
        },
      });
      rules.reload();
    });
  const remove = (id: number) =>
    action.run(async () => {
      await request(`/projects/${encodeURIComponent(project)}/immutabletagrules/${id}`, { method: 'DELETE' });
      rules.reload();
    });
  return (
    <section>
      <h2>Immutable tags</h2>
      <div className="toolbar">
        <input
          aria-label="project"
          placeholder="project"
          value={project}
          onChange={(e) => setProject(e.target.value)}
        />
        <input aria-label="repositories" value={repos} onChange={(e) => setRepos(e.target.value)} />
        <input aria-label="tags" value={pattern} onChange={(e) => setPattern(e.target.value)} />
        <button type="button" disabled={!project || action.busy} onClick={add}>
          Add rule
        </button>
      </div>
      <ErrorBox error={action.error ?? rules.error} />
      <table>
        <tbody>
          {(rules.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>rule {r.id}</td>
              <td>repositories {r.scope_selectors.repository?.map((s) => s.pattern).join(', ') ?? '**'}</td>
              <td>tags {r.tag_selectors.map((s) => `${s.decoration} ${s.pattern}`).join(', ')}</td>
              <td>
                <button type="button" className="link" onClick={() => remove(r.id)}>
                  delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function StoragePage() {
  return (
    <section>
      <h1>Storage</h1>
      <QuotaPanel />
      <GcPanel />
      <ImmutablePanel />
    </section>
  );
}
