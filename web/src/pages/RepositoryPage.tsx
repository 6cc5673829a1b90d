/** The artifacts of one repository: search by tag or digest, sort, pages; delete the repository. */
import { useState } from 'react';
import { del, query, repositoryPath } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { useProjectAccess } from '../components/use-project-access.ts';
import { ago, bytes, dateTime, platform, podmanCommand, registryHost, shortDigest } from '../format.ts';
import { artifactRoute, projectRoute, repositoryRoute } from '../links.ts';
import { Link, navigate, setQuery } from '../router.tsx';
import type { Artifact } from '../types.ts';

export function TagChips(props: { tags: { name: string }[]; count: number; repository: string }) {
  const more = props.count - props.tags.length;
  return (
    <span className="chips">
      {props.tags.length === 0 ? <span className="muted">untagged</span> : null}
      {props.tags.map((t) => (
        <Link key={t.name} className="chip" to={`${repositoryRoute(props.repository)}/tags/${t.name}/history`}>
          {t.name}
        </Link>
      ))}
      {more > 0 ? <span className="chip more">+{more} more</span> : null}
    </span>
  );
}

export function RepositoryPage(props: { project: string; repository: string; search: URLSearchParams }) {
  const { page, pageSize } = pageFrom(props.search);
  const text = props.search.get('q') ?? '';
  const sort = props.search.get('sort') ?? '-push_time';
  const q = text ? (text.startsWith('sha256:') ? `digest=${text}` : `tags=~${text}`) : undefined;
  const base = repositoryPath(props.project, props.repository);
  const access = useProjectAccess(props.project);
  const artifacts = useApi<Artifact[]>(`${base}/artifacts${query({ page, page_size: pageSize, sort, q })}`);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const firstTag = artifacts.data?.find((a) => a.tags.length > 0)?.tags[0]?.name;
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">Projects</Link> / <Link to={projectRoute(props.project)}>{props.project}</Link> /
      </p>
      <div className="title-row">
        <h1>{props.repository}</h1>
        <button
          type="button"
          className="danger"
          disabled={!access.canDelete}
          title={access.canDelete ? undefined : `needs the delete repository permission in project ${props.project}`}
          onClick={() => setConfirming(true)}
        >
          Delete repository
        </button>
      </div>
      <CopyField
        text={podmanCommand('pull', `${registryHost()}/${props.repository}:${firstTag ?? 'latest'}`)}
        label="Copy pull command"
      />
      <div className="toolbar">
        <SearchBox value={text} placeholder="Search tags (or paste sha256:…)" />
        <select aria-label="sort" value={sort} onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}>
          <option value="-push_time">Newest first</option>
          <option value="push_time">Oldest first</option>
          <option value="digest">By digest</option>
        </select>
      </div>
      <ErrorBox
        error={artifacts.error}
        onRetry={artifacts.reload}
        context={{ permission: `pull in project ${props.project}` }}
      />
      <div className="table-wrap">
        <table className="artifacts">
          <thead>
            <tr>
              <th>Artifact</th>
              <th>Tags</th>
              <th>Size</th>
              <th className="hide-narrow">Platforms</th>
              <th className="hide-narrow">Referrers</th>
              <th>Pushed</th>
            </tr>
          </thead>
          <tbody>
            {(artifacts.data ?? []).map((a) => (
              <tr key={a.digest}>
                <td>
                  <Link to={artifactRoute(props.repository, a.digest)} className="mono" title={a.digest}>
                    {shortDigest(a.digest)}
                  </Link>
                  <div className="muted small">{a.references.length > 0 ? 'index' : a.type.toLowerCase()}</div>
                </td>
                <td>
                  <TagChips tags={a.tags} count={a.tag_count} repository={props.repository} />
                </td>
                <td>{bytes(a.size)}</td>
                <td className="hide-narrow">
                  {a.references.length > 0 ? (
                    a.references.map((r) => platform(r.platform)).join(', ')
                  ) : a.extra_attrs?.os ? (
                    platform(a.extra_attrs)
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="hide-narrow">{a.referrer_count || <span className="muted">0</span>}</td>
                <td title={dateTime(a.push_time)}>{ago(a.push_time)}</td>
              </tr>
            ))}
            {artifacts.data?.length === 0 ? (
              <EmptyRow columns={6}>
                {text ? `No artifact matches “${text}”.` : 'This repository has no artifacts.'}
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={artifacts.total} noun="artifacts" />
      {confirming ? (
        <ConfirmDialog
          title={`Delete ${props.repository}?`}
          confirmLabel="Delete repository"
          typeToConfirm={props.repository}
          onCancel={() => {
            setConfirming(false);
            setDeleteError(null);
          }}
          onConfirm={async () => {
            try {
              await del(base);
              navigate(projectRoute(props.project));
            } catch (err) {
              setDeleteError(err);
            }
          }}
        >
          <p>
            Every tag and artifact of this repository goes. Layers shared with other repositories stay. This cannot be
            undone.
          </p>
          {deleteError ? (
            <p className="error">
              {describeError(deleteError, { permission: `delete repository in project ${props.project}` })}
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
