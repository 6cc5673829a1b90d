/**
 * Projects: Harbor's /projects when the identity module provides it; until
 * then, the projects implied by repository names (from /statistics).
 */
import { useState } from 'react';
import { ApiError, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { bytes, dateTime } from '../format.ts';
import { projectRoute } from '../links.ts';
import { Link, setQuery } from '../router.tsx';
import { NewProjectForm } from './NewProjectForm.tsx';

interface Project {
  project_id?: number;
  name: string;
  repo_count?: number;
  creation_time?: string;
  owner_name?: string;
  metadata?: { public?: string };
}

interface Statistics {
  projects?: { name: string; repo_count: number; artifact_count: number; storage: number }[];
}

export function ProjectsPage(props: { search: URLSearchParams }) {
  const { page, pageSize } = pageFrom(props.search);
  const name = props.search.get('q') ?? '';
  const sort = props.search.get('sort') ?? 'name';
  const projects = useApi<Project[]>(
    `/projects${query({ page, page_size: pageSize, sort, q: name ? `name=~${name}` : undefined })}`,
  );
  const absent = projects.error instanceof ApiError && projects.error.absent;
  const stats = useApi<Statistics>(absent ? '/statistics' : null);
  const [creating, setCreating] = useState(false);

  let rows: (Project & { storage?: number })[] = projects.data ?? [];
  let total = projects.total;
  if (absent && stats.data) {
    const all = (stats.data.projects ?? [])
      .filter((p) => p.name.includes(name.toLowerCase()))
      .sort((a, b) => (sort === '-name' ? b.name.localeCompare(a.name) : a.name.localeCompare(b.name)));
    total = all.length;
    rows = all.slice((page - 1) * pageSize, page * pageSize).map((p) => ({ ...p }));
  }
  return (
    <section>
      <h1>Projects</h1>
      {absent ? (
        <p className="notice">
          Project settings, members and quotas arrive with Berth's identity and access module. Until then a project is
          the first part of a repository name, and these are the ones in use.
        </p>
      ) : (
        <ErrorBox error={projects.error} onRetry={projects.reload} />
      )}
      {creating ? (
        <NewProjectForm
          onDone={() => {
            setCreating(false);
            projects.reload();
          }}
        />
      ) : null}
      <div className="toolbar">
        <SearchBox value={name} placeholder="Search projects" />
        {absent || creating ? null : (
          <button type="button" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
        <select aria-label="sort" value={sort} onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}>
          <option value="name">Name A–Z</option>
          <option value="-name">Name Z–A</option>
          {absent ? null : <option value="-creation_time">Newest first</option>}
        </select>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Repositories</th>
              <th className="hide-narrow">{absent ? 'Storage' : 'Access'}</th>
              {absent ? null : <th className="hide-narrow">Created</th>}
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
                  {absent ? bytes(p.storage) : p.metadata?.public === 'true' ? 'public' : 'private'}
                </td>
                {absent ? null : <td className="hide-narrow">{dateTime(p.creation_time)}</td>}
              </tr>
            ))}
            {rows.length === 0 && !projects.loading && !stats.loading ? (
              <EmptyRow columns={4}>
                {name ? `No project matches “${name}”.` : 'No projects yet: push an image to team/app to create one.'}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={total} noun="projects" />
    </section>
  );
}
