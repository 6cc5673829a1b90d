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
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    title: 'Storage',
    savings: '{logical} logical · {physical} stored ·',
    saved: '{n}% saved',
    gcTitle: 'Garbage collection',
    gcHint: 'Online: pushes continue. Blobs younger than the grace window, or linked during the run, are kept.',
    dryRun: 'dry run (preview)',
    deleteUntagged: 'delete untagged',
    graceWindow: 'grace window (h)',
    timeWindow: 'time window',
    previewGc: 'Preview GC',
    runGc: 'Run GC now',
    schedule: 'Schedule:',
    next: ' · next {time}',
    cron: 'cron',
    setSchedule: 'Schedule',
    noSchedule: 'No schedule',
    run: 'Run',
    kind: 'Kind',
    status: 'Status',
    blobs: 'Blobs',
    freed: 'Freed',
    manifests: 'Manifests',
    uploads: 'Uploads',
    started: 'Started',
    dryRunMark: ' · dry run',
    log: 'log',
    logOf: 'Log of run {id}',
    quotasTitle: 'Usage and quotas',
    registry: 'Registry:',
    project: 'Project',
    usedLimit: 'Used / limit',
    logicalStored: 'Logical vs stored',
    unlimited: 'unlimited',
    quotaUse: 'quota use',
    setLimit: 'set limit',
    limitPrompt: 'Storage limit of {name} in bytes (-1: unlimited)',
    immutableTitle: 'Immutable tags',
    projectField: 'project',
    repositories: 'repositories',
    tags: 'tags',
    addRule: 'Add rule',
    rule: 'rule {id}',
    ruleRepositories: 'repositories {patterns}',
    ruleTags: 'tags {selectors}',
    delete: 'delete',
  },
  {
    title: '存储',
    savings: '逻辑 {logical} · 实际存储 {physical} ·',
    saved: '节省 {n}%',
    gcTitle: '垃圾回收',
    gcHint: '在线进行：推送不受影响。比保留窗口新的 Blob，以及回收期间被引用的 Blob，都会保留。',
    dryRun: '模拟运行（预览）',
    deleteUntagged: '删除无标签的制品',
    graceWindow: '保留窗口（小时）',
    timeWindow: '保留窗口',
    previewGc: '预览垃圾回收',
    runGc: '立即垃圾回收',
    schedule: '定时：',
    next: ' · 下次 {time}',
    cron: 'Cron 表达式',
    setSchedule: '设置定时',
    noSchedule: '取消定时',
    run: '执行',
    kind: '类型',
    status: '状态',
    blobs: 'Blob',
    freed: '释放空间',
    manifests: '清单',
    uploads: '上传',
    started: '开始时间',
    dryRunMark: ' · 模拟运行',
    log: '日志',
    logOf: '执行 {id} 的日志',
    quotasTitle: '用量与配额',
    registry: '整个仓库服务：',
    project: '项目',
    usedLimit: '已用 / 上限',
    logicalStored: '逻辑大小与实际存储',
    unlimited: '不限',
    quotaUse: '配额用量',
    setLimit: '设置上限',
    limitPrompt: '{name} 的存储上限，单位字节（-1：不限）',
    immutableTitle: '不可变标签',
    projectField: '项目',
    repositories: '仓库',
    tags: '标签',
    addRule: '添加规则',
    rule: '规则 {id}',
    ruleRepositories: '仓库 {patterns}',
    ruleTags: '标签 {selectors}',
    delete: '删除',
  },
);

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
  const t = useT(catalog);
  const saved = props.logical > 0 ? Math.max(0, 1 - props.physical / props.logical) : 0;
  return (
    <span>
      {t('savings', { logical: bytes(props.logical), physical: bytes(props.physical) })}{' '}
      <strong>{t('saved', { n: Math.round(saved * 100) })}</strong>
    </span>
  );
}

function GcPanel() {
  const t = useT(catalog);
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
      <h2>{t('gcTitle')}</h2>
      <p className="hint">{t('gcHint')}</p>
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> {t('dryRun')}
        </label>
        <label>
          <input type="checkbox" checked={untagged} onChange={(e) => setUntagged(e.target.checked)} />{' '}
          {t('deleteUntagged')}
        </label>
        <label>
          {t('graceWindow')}{' '}
          <input aria-label={t('timeWindow')} size={3} value={window} onChange={(e) => setWindow(e.target.value)} />
        </label>
        <button type="button" className="primary" disabled={action.busy} onClick={start}>
          {dryRun ? t('previewGc') : t('runGc')}
        </button>
      </div>
      <div className="toolbar">
        <span>
          {t('schedule')} <strong>{schedule.data?.schedule.type ?? '…'}</strong> {schedule.data?.schedule.cron ?? ''}
          {schedule.data?.schedule.next_scheduled_time
            ? t('next', { time: dateTime(schedule.data.schedule.next_scheduled_time) })
            : ''}
        </span>
        <input aria-label={t('cron')} value={cron} onChange={(e) => setCron(e.target.value)} />
        <button type="button" onClick={() => save('Custom')}>
          {t('setSchedule')}
        </button>
        <button type="button" onClick={() => save('None')}>
          {t('noSchedule')}
        </button>
      </div>
      <ErrorBox error={action.error ?? runs.error} />
      <table>
        <thead>
          <tr>
            <th>{t('run')}</th>
            <th>{t('kind')}</th>
            <th>{t('status')}</th>
            <th>{t('blobs')}</th>
            <th>{t('freed')}</th>
            <th>{t('manifests')}</th>
            <th>{t('uploads')}</th>
            <th>{t('started')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(runs.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>
                {r.job_kind.toLowerCase()}
                {JSON.parse(r.job_parameters).dry_run ? t('dryRunMark') : ''}
              </td>
              <td>{r.job_status}</td>
              <td>{r.blobs_deleted}</td>
              <td>{bytes(r.bytes_freed)}</td>
              <td>{r.manifests_deleted}</td>
              <td>{r.uploads_purged}</td>
              <td>{dateTime(r.creation_time)}</td>
              <td>
                <button type="button" className="link" onClick={() => showLog(r.id)}>
                  {t('log')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {log ? (
        <div>
          <h3>{t('logOf', { id: log.id })}</h3>
          <pre className="log">{log.text}</pre>
        </div>
      ) : null}
    </section>
  );
}

function QuotaPanel() {
  const t = useT(catalog);
  const quotas = useApi<Quota[]>('/quotas?page=1&page_size=100');
  const total = useApi<{ logical: number; physical: number }>('/storage/usage');
  const action = useAction();
  const setLimit = (q: Quota) => {
    const value = window.prompt(t('limitPrompt', { name: q.ref.name }), String(q.hard.storage));
    if (value === null) return;
    action.run(async () => {
      await request(`/quotas/${q.id}`, { method: 'PUT', body: { hard: { storage: Number(value) } } });
      quotas.reload();
    });
  };
  return (
    <section>
      <h2>{t('quotasTitle')}</h2>
      <p>
        {t('registry')} {total.data ? <Savings {...total.data} /> : '…'}
      </p>
      <ErrorBox error={action.error ?? quotas.error} />
      <table>
        <thead>
          <tr>
            <th>{t('project')}</th>
            <th>{t('usedLimit')}</th>
            <th>{t('logicalStored')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(quotas.data ?? []).map((q) => (
            <tr key={q.id}>
              <td>{q.ref.name}</td>
              <td>
                {bytes(q.used.storage)} / {q.hard.storage < 0 ? t('unlimited') : bytes(q.hard.storage)}
                {q.hard.storage > 0 ? (
                  <meter min={0} max={q.hard.storage} value={q.used.storage} aria-label={t('quotaUse')} />
                ) : null}
              </td>
              <td>
                <Savings {...q.usage} />
              </td>
              <td>
                <button type="button" className="link" onClick={() => setLimit(q)}>
                  {t('setLimit')}
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
  const t = useT(catalog);
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
      <h2>{t('immutableTitle')}</h2>
      <div className="toolbar">
        <input
          aria-label={t('projectField')}
          placeholder={t('projectField')}
          value={project}
          onChange={(e) => setProject(e.target.value)}
        />
        <input aria-label={t('repositories')} value={repos} onChange={(e) => setRepos(e.target.value)} />
        <input aria-label={t('tags')} value={pattern} onChange={(e) => setPattern(e.target.value)} />
        <button type="button" disabled={!project || action.busy} onClick={add}>
          {t('addRule')}
        </button>
      </div>
      <ErrorBox error={action.error ?? rules.error} />
      <table>
        <tbody>
          {(rules.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>{t('rule', { id: r.id })}</td>
              <td>
                {t('ruleRepositories', {
                  patterns: r.scope_selectors.repository?.map((s) => s.pattern).join(', ') ?? '**',
                })}
              </td>
              <td>
                {t('ruleTags', { selectors: r.tag_selectors.map((s) => `${s.decoration} ${s.pattern}`).join(', ') })}
              </td>
              <td>
                <button type="button" className="link" onClick={() => remove(r.id)}>
                  {t('delete')}
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
  const t = useT(catalog);
  return (
    <section>
      <h1>{t('title')}</h1>
      <QuotaPanel />
      <GcPanel />
      <ImmutablePanel />
    </section>
  );
}
