/** The repositories of a project: search by name, sort, pages. */
import { ApiError, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { ago, dateTime } from '../format.ts';
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
          <Link to="/projects">Projects</Link> /
        </p>
        <h1>{props.project}</h1>
        <p className="notice" role="alert">
          There is no project “{props.project}”. <Link to="/projects">See all projects</Link>.
        </p>
      </section>
    );
  }
  return (
    <section>
      <ProjectTabs project={props.project} />
      <GroupPulls project={props.project} />
      <div className="toolbar">
        <SearchBox value={name} placeholder="Search repositories" />
        <select aria-label="sort" value={sort} onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}>
          <option value="-update_time">Recently updated</option>
          <option value="name">Name A–Z</option>
          <option value="-name">Name Z–A</option>
          <option value="-creation_time">Newest first</option>
          <option value="creation_time">Oldest first</option>
        </select>
      </div>
      <ErrorBox
        error={repos.error}
        onRetry={repos.reload}
        context={{ permission: `pull in project ${props.project}` }}
      />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Repository</th>
              <th>Artifacts</th>
              <th>Updated</th>
              <th className="hide-narrow">Created</th>
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
              <EmptyRow columns={4}>
                {name ? `No repository matches “${name}”.` : `No repositories in ${props.project} yet.`}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={repos.total} noun="repositories" />
    </section>
  );
}
