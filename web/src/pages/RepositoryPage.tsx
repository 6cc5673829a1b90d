/** The artifacts of one repository: search by tag or digest, sort, pages; delete the repository. */
import { del, query, repositoryPath } from '../api.ts';
import { CopyField } from '../components/CopyButton.tsx';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { RepositoryTools } from '../components/RepositoryTools.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { useProjectAccess } from '../components/use-project-access.ts';
import { ago, bytes, dateTime, platform, podmanCommand, registryHost, shortDigest } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';
import { artifactRoute, projectRoute, repositoryRoute } from '../links.ts';
import { Link, navigate, setQuery } from '../router.tsx';
import type { Artifact } from '../types.ts';

export function TagChips(props: { tags: { name: string }[]; count: number; repository: string }) {
  const t = useT(text);
  const more = props.count - props.tags.length;
  return (
    <span className="chips">
      {props.tags.length === 0 ? <span className="muted">{t('untagged')}</span> : null}
      {props.tags.map((tag) => (
        <Link key={tag.name} className="chip" to={`${repositoryRoute(props.repository)}/tags/${tag.name}/history`}>
          {tag.name}
        </Link>
      ))}
      {more > 0 ? <span className="chip more">{t('more', { n: more })}</span> : null}
    </span>
  );
}

export function RepositoryPage(props: { project: string; repository: string; search: URLSearchParams }) {
  const t = useT(text);
  const { page, pageSize } = pageFrom(props.search);
  const typed = props.search.get('q') ?? '';
  const sort = props.search.get('sort') ?? '-push_time';
  const q = typed ? (typed.startsWith('sha256:') ? `digest=${typed}` : `tags=~${typed}`) : undefined;
  const base = repositoryPath(props.project, props.repository);
  const access = useProjectAccess(props.project);
  const artifacts = useApi<Artifact[]>(`${base}/artifacts${query({ page, page_size: pageSize, sort, q })}`);
  const { ask, dialog } = useConfirm();
  const removal = useAction();
  const deleteRepository = async () => {
    const ok = await ask({
      title: t('deleteTitle', { repository: props.repository }),
      message: t('deleteMessage'),
      confirmLabel: t('deleteRepository'),
      typeToConfirm: props.repository,
    });
    if (!ok) return;
    const done = await removal.run(async () => {
      await del(base);
      return true;
    });
    if (done) navigate(projectRoute(props.project));
  };
  const firstTag = artifacts.data?.find((a) => a.tags.length > 0)?.tags[0]?.name;
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">{t('projects')}</Link> / <Link to={projectRoute(props.project)}>{props.project}</Link> /
      </p>
      <div className="title-row">
        <h1>{props.repository}</h1>
        {access.anonymous ? null : (
          <button
            type="button"
            className="danger"
            disabled={!access.canDelete || removal.busy}
            title={access.canDelete ? undefined : t('needsDelete', { project: props.project })}
            onClick={deleteRepository}
          >
            {t('deleteRepository')}
          </button>
        )}
      </div>
      <CopyField
        text={podmanCommand('pull', `${registryHost()}/${props.repository}:${firstTag ?? 'latest'}`)}
        label={t('copyPull')}
      />
      <RepositoryTools {...props} canEdit={access.canDelete} onChanged={artifacts.reload} />
      <ErrorBox error={removal.error} context={{ permission: t('deleteIn', { project: props.project }) }} />
      <div className="toolbar">
        <SearchBox value={typed} placeholder={t('search')} />
        <select
          aria-label={t('sort')}
          value={sort}
          onChange={(e) => setQuery({ sort: e.target.value, page: undefined })}
        >
          <option value="-push_time">{t('newest')}</option>
          <option value="push_time">{t('oldest')}</option>
          <option value="digest">{t('byDigest')}</option>
        </select>
      </div>
      <ErrorBox
        error={artifacts.error}
        onRetry={artifacts.reload}
        context={{ permission: t('pullIn', { project: props.project }) }}
      />
      <div className="table-wrap">
        <table className="artifacts">
          <thead>
            <tr>
              <th>{t('artifact')}</th>
              <th>{t('tags')}</th>
              <th>{t('size')}</th>
              <th className="hide-narrow">{t('platforms')}</th>
              <th className="hide-narrow">{t('referrers')}</th>
              <th>{t('pushed')}</th>
            </tr>
          </thead>
          <tbody>
            {(artifacts.data ?? []).map((a) => (
              <tr key={a.digest}>
                <td>
                  <Link to={artifactRoute(props.repository, a.digest)} className="mono" title={a.digest}>
                    {shortDigest(a.digest)}
                  </Link>
                  <div className="muted small">{a.references.length > 0 ? t('index') : a.type.toLowerCase()}</div>
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
              <EmptyRow columns={6}>{typed ? t('noMatch', { text: typed }) : t('empty')}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={pageSize} total={artifacts.total} noun={t('artifacts')} />
      {dialog}
    </section>
  );
}

const text = messages(
  {
    untagged: 'untagged',
    more: '+{n} more',
    projects: 'Projects',
    deleteTitle: 'Delete {repository}?',
    deleteMessage:
      'Every tag and artifact of this repository goes. Layers shared with other repositories stay. This cannot be undone.',
    deleteRepository: 'Delete repository',
    needsDelete: 'needs the delete repository permission in project {project}',
    deleteIn: 'delete repository in project {project}',
    copyPull: 'Copy pull command',
    search: 'Search tags (or paste sha256:…)',
    sort: 'sort',
    newest: 'Newest first',
    oldest: 'Oldest first',
    byDigest: 'By digest',
    pullIn: 'pull in project {project}',
    artifact: 'Artifact',
    tags: 'Tags',
    size: 'Size',
    platforms: 'Platforms',
    referrers: 'Referrers',
    pushed: 'Pushed',
    index: 'index',
    noMatch: 'No artifact matches “{text}”.',
    empty: 'This repository has no artifacts.',
    artifacts: 'artifacts',
  },
  {
    untagged: '无标签',
    more: '另有 {n} 个',
    projects: '项目',
    deleteTitle: '删除 {repository}？',
    deleteMessage: '此仓库的所有标签和制品都将被删除。与其他仓库共享的层会保留。此操作无法撤销。',
    deleteRepository: '删除仓库',
    needsDelete: '需要项目 {project} 的删除仓库权限',
    deleteIn: '在项目 {project} 中删除仓库',
    copyPull: '复制拉取命令',
    search: '搜索标签（或粘贴 sha256:…）',
    sort: '排序',
    newest: '最新推送',
    oldest: '最早推送',
    byDigest: '按摘要',
    pullIn: '在项目 {project} 中拉取',
    artifact: '制品',
    tags: '标签',
    size: '大小',
    platforms: '平台',
    referrers: '引用者',
    pushed: '推送时间',
    index: '索引',
    noMatch: '没有与“{text}”匹配的制品。',
    empty: '此仓库中没有制品。',
    artifacts: '制品',
  },
);
