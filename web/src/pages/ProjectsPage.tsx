/**
 * Projects: Harbor's /projects when the identity module provides it; until
 * then, the projects implied by repository names (from /statistics). Project
 * administrators switch a project public or private and delete it; the
 * delete dialog says what the project holds, and a project that is not empty
 * is deleted only when asked a second time (the API's 412 unless forced).
 */
import { useState } from 'react';
import { ApiError, del, get, put, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useIsAdmin, useIsVisitor } from '../components/use-admin.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { bytes, dateTime } from '../format.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import { projectRoute } from '../links.ts';
import { Link, setQuery } from '../router.tsx';
import { NewProjectForm } from './NewProjectForm.tsx';

const catalog = messages(
  {
    title: 'Projects',
    absent:
      "Project settings, members and quotas arrive with Berth's identity and access module. Until then a project is the first part of a repository name, and these are the ones in use.",
    searchPlaceholder: 'Search projects',
    newProject: 'New project',
    sortLabel: 'sort',
    sortAz: 'Name A–Z',
    sortZa: 'Name Z–A',
    sortNewest: 'Newest first',
    repositories: 'Repositories',
    storage: 'Storage',
    access: 'Access',
    created: 'Created',
    public: 'public',
    private: 'private',
    noMatch: 'No project matches “{name}”.',
    empty: 'No projects yet: push an image to team/app to create one.',
    makePublic: 'Make public',
    makePrivate: 'Make private',
    publicTitle: 'Make {name} public?',
    publicMessage: 'Anyone, signed in or not, will be able to pull its images.',
    privateTitle: 'Make {name} private?',
    privateMessage: 'Only its members (and administrators) will be able to pull its images.',
    deleteTitle: 'Delete the project {name}?',
    holds: 'It holds {repos} repositories, {artifacts} artifacts, {size}.',
    holdsNothing: 'It holds no repositories.',
    deleteMessage: 'Its members, robot accounts and settings go with it.',
    deleteProject: 'Delete project',
    notEmptyTitle: '{name} is not empty',
    notEmptyMessage:
      'The server refused: {reason}. Delete the project with its {repos} repositories and {artifacts} artifacts? This cannot be undone.',
    deleteAll: 'Delete everything',
    projectsNoun: 'projects',
  },
  {
    title: '项目',
    absent:
      '项目设置、成员和配额由 Berth 的身份与访问模块提供。在此之前，项目即仓库名称的第一段，下面是正在使用的项目。',
    searchPlaceholder: '搜索项目',
    newProject: '新建项目',
    sortLabel: '排序',
    sortAz: '名称 A–Z',
    sortZa: '名称 Z–A',
    sortNewest: '最新创建',
    repositories: '仓库',
    storage: '存储',
    access: '访问级别',
    created: '创建时间',
    public: '公开',
    private: '私有',
    noMatch: '没有与“{name}”匹配的项目。',
    empty: '还没有项目：推送一个镜像到 team/app 即可创建。',
    makePublic: '设为公开',
    makePrivate: '设为私有',
    publicTitle: '将 {name} 设为公开？',
    publicMessage: '任何人（无论是否登录）都可以拉取其中的镜像。',
    privateTitle: '将 {name} 设为私有？',
    privateMessage: '只有项目成员（和管理员）可以拉取其中的镜像。',
    deleteTitle: '删除项目 {name}？',
    holds: '其中有 {repos} 个仓库、{artifacts} 个制品，共 {size}。',
    holdsNothing: '其中没有仓库。',
    deleteMessage: '项目的成员、机器人账号和设置将一并删除。',
    deleteProject: '删除项目',
    notEmptyTitle: '{name} 不是空项目',
    notEmptyMessage:
      '服务器拒绝了删除：{reason}。是否连同其中的 {repos} 个仓库和 {artifacts} 个制品一起删除？此操作无法撤销。',
    deleteAll: '全部删除',
    projectsNoun: '个项目',
  },
);

interface Project {
  project_id?: number;
  name: string;
  repo_count?: number;
  creation_time?: string;
  owner_name?: string;
  current_user_role_id?: number;
  metadata?: { public?: string };
}

interface Statistics {
  projects?: { name: string; repo_count: number; artifact_count: number; storage: number }[];
}

export function ProjectsPage(props: { search: URLSearchParams }) {
  const t = useT(catalog);
  const c = useT(common);
  const { page, pageSize } = pageFrom(props.search);
  const name = props.search.get('q') ?? '';
  const sort = props.search.get('sort') ?? 'name';
  const projects = useApi<Project[]>(
    `/projects${query({ page, page_size: pageSize, sort, q: name ? `name=~${name}` : undefined })}`,
  );
  const absent = projects.error instanceof ApiError && projects.error.absent;
  const stats = useApi<Statistics>(absent ? '/statistics' : null);
  const [creating, setCreating] = useState(false);
  const admin = useIsAdmin();
  const visitor = useIsVisitor();
  const action = useAction();
  const { ask, dialog } = useConfirm();

  const toggle = async (p: Project) => {
    const makePublic = p.metadata?.public !== 'true';
    const ok = await ask({
      title: t(makePublic ? 'publicTitle' : 'privateTitle', { name: p.name }),
      message: t(makePublic ? 'publicMessage' : 'privateMessage'),
      confirmLabel: t(makePublic ? 'makePublic' : 'makePrivate'),
    });
    if (!ok) return;
    await action.run(() =>
      put(`/projects/${encodeURIComponent(p.name)}`, { metadata: { public: String(makePublic) } }),
    );
    projects.reload();
  };

  const remove = async (p: Project) => {
    const path = `/projects/${encodeURIComponent(p.name)}`;
    const held = await action.run(() => get<Statistics>('/statistics'));
    const mine = held?.projects?.find((s) => s.name === p.name);
    const counts = {
      repos: mine?.repo_count ?? p.repo_count ?? 0,
      artifacts: mine?.artifact_count ?? 0,
      size: bytes(mine?.storage ?? 0),
    };
    const ok = await ask({
      title: t('deleteTitle', { name: p.name }),
      message: `${counts.repos > 0 ? t('holds', counts) : t('holdsNothing')} ${t('deleteMessage')}`,
      confirmLabel: t('deleteProject'),
    });
    if (!ok) return;
    try {
      await del(path);
    } catch (err) {
      // 412: not empty. Deleting the contents too is a second, explicit choice.
      if (!(err instanceof ApiError) || err.status !== 412) {
        await action.run(() => Promise.reject(err));
        return;
      }
      const force = await ask({
        title: t('notEmptyTitle', { name: p.name }),
        message: t('notEmptyMessage', { reason: err.message, ...counts }),
        confirmLabel: t('deleteAll'),
      });
      if (!force) return;
      // del resolves to nothing: `true` tells success from the undefined of a failure.
      if ((await action.run(() => del(`${path}?force=true`).then(() => true))) === undefined) return;
    }
    projects.reload();
  };

  let rows: (Project & { storage?: number })[] = projects.data ?? [];
  let total = projects.total;
  if (absent && stats.data) {
    const all = (stats.data.projects ?? [])
      .filter((p) => p.name.includes(name.toLowerCase()))
      .sort((a, b) => (sort === '-name' ? b.name.localeCompare(a.name) : a.name.localeCompare(b.name)));
    total = all.length;
    rows = all.slice((page - 1) * pageSize, page * pageSize).map((p) => ({ ...p }));
  }
  const manages = (p: Project) => admin || p.current_user_role_id === 1;
  return (
    <section>
      {dialog}
      <h1>{t('title')}</h1>
      {absent ? <p className="notice">{t('absent')}</p> : <ErrorBox error={projects.error} onRetry={projects.reload} />}
      <ErrorBox error={action.error} />
      {creating ? (
        <NewProjectForm
          onDone={() => {
            setCreating(false);
            projects.reload();
          }}
        />
      ) : null}
      <div className="toolbar">
        <SearchBox value={name} placeholder={t('searchPlaceholder')} />
        {absent || creating || visitor ? null : (
          <button type="button" onClick={() => setCreating(true)}>
            {t('newProject')}
          </button>
        )}
        <select
          aria-label={t('sortLabel')}
          value={sort}
          onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}
        >
          <option value="name">{t('sortAz')}</option>
          <option value="-name">{t('sortZa')}</option>
          {absent ? null : <option value="-creation_time">{t('sortNewest')}</option>}
        </select>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{c('name')}</th>
              <th>{t('repositories')}</th>
              <th className="hide-narrow">{absent ? t('storage') : t('access')}</th>
              {absent ? null : <th className="hide-narrow">{t('created')}</th>}
              {absent ? null : <th />}
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link to={projectRoute(p.name)}>{p.name}</Link>
                </td>
                <td>{p.repo_count ?? '—'}</td>
                <td className="hide-narrow">
                  {absent ? bytes(p.storage) : p.metadata?.public === 'true' ? t('public') : t('private')}
                </td>
                {absent ? null : <td className="hide-narrow">{dateTime(p.creation_time)}</td>}
                {absent ? null : (
                  <td className="right nowrap">
                    {manages(p) ? (
                      <>
                        <button type="button" className="link" disabled={action.busy} onClick={() => toggle(p)}>
                          {p.metadata?.public === 'true' ? t('makePrivate') : t('makePublic')}
                        </button>{' '}
                        <button
                          type="button"
                          className="link danger-text"
                          disabled={action.busy}
                          onClick={() => remove(p)}
                        >
                          {c('delete')}
                        </button>
                      </>
                    ) : null}
                  </td>
                )}
              </tr>
            ))}
            {rows.length === 0 && !projects.loading && !stats.loading ? (
              <EmptyRow columns={5}>{name ? t('noMatch', { name }) : t('empty')}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={total} noun={t('projectsNoun')} />
    </section>
  );
}
