/** The repositories of a project: search by name, sort, pages. */
import { ApiError, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { ago, dateTime } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';
import { repositoryRoute } from '../links.ts';
import { Link, setQuery } from '../router.tsx';
import { GroupPulls } from './NewProjectForm.tsx';

export interface Repository {
  name: string;
  project_name: string;
  artifact_count: number;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

export function RepositoriesPage(props: { project: string; search: URLSearchParams }) {
  const t = useT(text);
  const { page, pageSize } = pageFrom(props.search);
  const name = props.search.get('q') ?? '';
  const sort = props.search.get('sort') ?? '-update_time';
  const repos = useApi<Repository[]>(
    `/projects/${encodeURIComponent(props.project)}/repositories${query({
      page,
      page_size: pageSize,
      sort,
      q: name ? `name=~${name}` : undefined,
    })}`,
  );
  // A project that does not exist says so, instead of an empty list under its name.
  if (repos.error instanceof ApiError && repos.error.status === 404) {
    return (
      <section>
        <p className="crumbs">
          <Link to="/projects">{t('projects')}</Link> /
        </p>
        <h1>{props.project}</h1>
        <p className="notice" role="alert">
          {t('noProject', { project: props.project })} <Link to="/projects">{t('allProjects')}</Link>
        </p>
      </section>
    );
  }
  return (
    <section>
      <ProjectTabs project={props.project} />
      <GroupPulls project={props.project} />
      <div className="toolbar">
        <SearchBox value={name} placeholder={t('search')} />
        <select
          aria-label={t('sort')}
          value={sort}
          onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}
        >
          <option value="-update_time">{t('recent')}</option>
          <option value="name">{t('az')}</option>
          <option value="-name">{t('za')}</option>
          <option value="-creation_time">{t('newest')}</option>
          <option value="creation_time">{t('oldest')}</option>
        </select>
      </div>
      <ErrorBox
        error={repos.error}
        onRetry={repos.reload}
        context={{ permission: t('pullIn', { project: props.project }) }}
      />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('repository')}</th>
              <th>{t('artifacts')}</th>
              <th>{t('updated')}</th>
              <th className="hide-narrow">{t('created')}</th>
            </tr>
          </thead>
          <tbody>
            {(repos.data ?? []).map((r) => (
              <tr key={r.name}>
                <td>
                  <Link to={repositoryRoute(r.name)}>{r.name}</Link>
                </td>
                <td>{r.artifact_count}</td>
                <td title={dateTime(r.update_time)}>{ago(r.update_time)}</td>
                <td className="hide-narrow">{dateTime(r.creation_time)}</td>
              </tr>
            ))}
            {repos.data?.length === 0 ? (
              <EmptyRow columns={4}>{name ? t('noMatch', { name }) : t('empty', { project: props.project })}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={repos.total} noun={t('repositories')} />
    </section>
  );
}

const text = messages(
  {
    projects: 'Projects',
    noProject: 'There is no project “{project}”.',
    allProjects: 'See all projects.',
    search: 'Search repositories',
    sort: 'sort',
    recent: 'Recently updated',
    az: 'Name A–Z',
    za: 'Name Z–A',
    newest: 'Newest first',
    oldest: 'Oldest first',
    pullIn: 'pull in project {project}',
    repository: 'Repository',
    artifacts: 'Artifacts',
    updated: 'Updated',
    created: 'Created',
    noMatch: 'No repository matches “{name}”.',
    empty: 'No repositories in {project} yet.',
    repositories: 'repositories',
  },
  {
    projects: '项目',
    noProject: '项目“{project}”不存在。',
    allProjects: '查看所有项目。',
    search: '搜索仓库',
    sort: '排序',
    recent: '最近更新',
    az: '名称 A–Z',
    za: '名称 Z–A',
    newest: '最新创建',
    oldest: '最早创建',
    pullIn: '在项目 {project} 中拉取',
    repository: '仓库',
    artifacts: '制品',
    updated: '更新时间',
    created: '创建时间',
    noMatch: '没有与“{name}”匹配的仓库。',
    empty: '{project} 中还没有仓库。',
    repositories: '仓库',
  },
);
