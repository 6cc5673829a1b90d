/** Counts, storage (total and per project), pushes and pulls over time, recent activity. */
import { useEffect, useState } from 'react';
import { ApiError, get } from '../api.ts';
import type { AuthState } from '../auth.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { type DayTraffic, TrafficChart } from '../components/TrafficChart.tsx';
import { useApi } from '../components/use-api.ts';
import { ago, bytes, shortDigest } from '../format.ts';
import { auditWord, auditWords } from '../i18n/audit.ts';
import { messages, useT } from '../i18n/index.ts';
import { artifactRoute, projectRoute } from '../links.ts';
import { Link } from '../router.tsx';

interface Statistics {
  total_project_count: number;
  total_repo_count: number;
  total_artifact_count?: number;
  total_storage_consumption: number;
  projects?: { name: string; repo_count: number; artifact_count: number; storage: number }[];
}

interface RecentPush {
  repository_name: string;
  digest: string;
  tag: string | null;
  push_time: string;
}

interface AuditEntry {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

type Activity = { source: 'audit'; entries: AuditEntry[] } | { source: 'pushes'; entries: RecentPush[] };

/** Recent activity: the audit log for administrators (others may not read it), recent pushes otherwise. */
function useActivity(from: 'audit' | 'pushes' | null): { activity: Activity | null; error: unknown } {
  const [state, setState] = useState<{ activity: Activity | null; error: unknown }>({ activity: null, error: null });
  useEffect(() => {
    if (from === null) return;
    const audit =
      from === 'audit'
        ? get<AuditEntry[]>('/audit-logs?page=1&page_size=8&sort=-op_time')
        : Promise.reject(new ApiError(403, 'FORBIDDEN', ''));
    audit
      .then((entries) => ({ source: 'audit', entries }) as Activity)
      .catch(async (err) => {
        // Without the audit log (not installed, or not allowed), recent pushes still tell the story.
        if (!(err instanceof ApiError)) throw err;
        return { source: 'pushes', entries: await get<RecentPush[]>('/statistics/recent?limit=8') } as Activity;
      })
      .then(
        (activity) => setState({ activity, error: null }),
        (error) => setState({ activity: null, error }),
      );
  }, [from]);
  return state;
}

export function Dashboard(props: { auth: AuthState }) {
  const t = useT(text);
  const { kind } = props.auth;
  // Statistics need an account: a visitor (or a page still asking who is signed in) requests none of them.
  const member = kind === 'signed-in' || kind === 'open';
  const admin = kind === 'open' || (kind === 'signed-in' && props.auth.user.sysadmin_flag === true);
  const stats = useApi<Statistics>(member ? '/statistics' : null);
  // With the identity module, projects exist on their own (even empty); count those.
  const projectList = useApi<unknown[]>(kind === 'loading' ? null : '/projects?page=1&page_size=1');
  const traffic = useApi<DayTraffic[]>(member ? '/statistics/traffic?days=30' : null);
  const words = useT(auditWords);
  const { activity, error: activityError } = useActivity(member ? (admin ? 'audit' : 'pushes') : null);
  if (kind === 'loading') return null;
  if (!member) return <VisitorDashboard publicProjects={projectList.total} />;
  const s = stats.data;
  const projects = s?.projects ?? [];
  const maxStorage = Math.max(1, ...projects.map((p) => p.storage));
  return (
    <section>
      <h1>{t('title')}</h1>
      <ErrorBox error={stats.error} onRetry={stats.reload} />
      <div className="cards">
        <Card
          label={t('projects')}
          value={projectList.total !== null ? String(projectList.total) : s ? String(s.total_project_count) : '…'}
          to="/projects"
        />
        <Card label={t('repositories')} value={s ? String(s.total_repo_count) : '…'} />
        <Card label={t('artifacts')} value={s ? String(s.total_artifact_count ?? '—') : '…'} />
        <Card label={t('storage')} value={s ? bytes(s.total_storage_consumption) : '…'} />
      </div>
      <div className="panels">
        <div className="panel wide">
          <h2>{t('traffic')}</h2>
          <ErrorBox error={traffic.error} onRetry={traffic.reload} />
          {traffic.data ? <TrafficChart days={traffic.data} /> : null}
        </div>
        <div className="panel">
          <h2>{t('perProject')}</h2>
          {projects.length === 0 && s ? <p className="muted">{t('nothing')}</p> : null}
          <ul className="bars">
            {projects.slice(0, 10).map((p) => (
              <li key={p.name}>
                <div className="bar-label">
                  <Link to={projectRoute(p.name)}>{p.name}</Link>
                  <span className="muted">
                    {bytes(p.storage)} · {t(p.repo_count === 1 ? 'oneRepo' : 'repos', { n: p.repo_count })}
                  </span>
                </div>
                <div className="bar">
                  <span style={{ width: `${Math.max(1, (100 * p.storage) / maxStorage)}%` }} />
                </div>
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h2>{t('recent')}</h2>
          <ErrorBox error={activityError} />
          {activity?.entries.length === 0 ? <p className="muted">{t('noActivity')}</p> : null}
          <ul className="activity">
            {activity?.source === 'audit'
              ? activity.entries.map((e) => (
                  <li key={e.id}>
                    <strong>{e.username}</strong> {auditWord(words, e.operation)} {auditWord(words, e.resource_type)}{' '}
                    <AuditResource entry={e} />
                    <span className="muted"> · {ago(e.op_time)}</span>
                  </li>
                ))
              : activity?.entries.map((e) => (
                  <li key={`${e.repository_name}@${e.digest}@${e.tag}`}>
                    {t('pushed')}{' '}
                    <Link to={artifactRoute(e.repository_name, e.digest)}>
                      {e.repository_name}
                      {e.tag ? `:${e.tag}` : `@${shortDigest(e.digest)}`}
                    </Link>
                    <span className="muted"> · {ago(e.push_time)}</span>
                  </li>
                ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

/** What a visitor who is not signed in sees: the public projects to browse, and the way to sign in. */
function VisitorDashboard(props: { publicProjects: number | null }) {
  const t = useT(text);
  return (
    <section>
      <h1>{t('title')}</h1>
      <div className="cards">
        <Card
          label={t('publicProjects')}
          value={props.publicProjects === null ? '…' : String(props.publicProjects)}
          to="/projects"
        />
      </div>
      <p className="notice">
        {t('visitor')} <Link to="/projects">{t('browse')}</Link> <Link to="/login">{t('signInMore')}</Link>
      </p>
    </section>
  );
}

function Card(props: { label: string; value: string; to?: string }) {
  const body = (
    <>
      <span className="card-value">{props.value}</span>
      <span className="card-label">{props.label}</span>
    </>
  );
  return props.to ? (
    <Link to={props.to} className="card">
      {body}
    </Link>
  ) : (
    <div className="card">{body}</div>
  );
}

/** An audit entry's resource: artifacts link to their page, digests are shortened. */
function AuditResource(props: { entry: AuditEntry }) {
  const { resource, resource_type } = props.entry;
  const m = /^([^@:]+(?:\/[^@:]+)*)(?:@(sha256:[0-9a-f]{64})|:([\w][\w.-]*))$/.exec(resource);
  if (resource_type !== 'artifact' || !m) return <code>{resource}</code>;
  const [, repository, digest, tag] = m;
  return (
    <Link to={artifactRoute(repository, digest ?? tag)}>
      <code>{digest ? `${repository}@${shortDigest(digest)}` : resource}</code>
    </Link>
  );
}

const text = messages(
  {
    title: 'Dashboard',
    projects: 'Projects',
    repositories: 'Repositories',
    artifacts: 'Artifacts',
    storage: 'Storage used',
    traffic: 'Pushes and pulls, last 30 days',
    perProject: 'Storage per project',
    nothing: 'Nothing pushed yet.',
    oneRepo: '{n} repository',
    repos: '{n} repositories',
    recent: 'Recent activity',
    noActivity: 'No activity yet.',
    pushed: 'pushed',
    publicProjects: 'Public projects',
    visitor: 'You are browsing as a visitor: public projects are open to read.',
    browse: 'Browse them.',
    signInMore: 'Sign in to see more.',
  },
  {
    title: '仪表盘',
    projects: '项目',
    repositories: '仓库',
    artifacts: '制品',
    storage: '已用存储',
    traffic: '最近 30 天的推送与拉取',
    perProject: '各项目存储',
    nothing: '尚未推送任何内容。',
    oneRepo: '{n} 个仓库',
    repos: '{n} 个仓库',
    recent: '最近活动',
    noActivity: '尚无活动。',
    pushed: '推送了',
    publicProjects: '公开项目',
    visitor: '你正以访客身份浏览：公开项目可以直接查看。',
    browse: '去看看。',
    signInMore: '登录以查看更多。',
  },
);
