/**
 * One artifact: what it is, how to pull it, its tags (add, remove), layers
 * and build history, labels and annotations, platforms of an index, and what
 * refers to it. Deleting asks first.
 */
import { ApiError, del, repositoryPath } from '../api.ts';
import { CopyButton, CopyField } from '../components/CopyButton.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { useProjectAccess } from '../components/use-project-access.ts';
import { bytes, dateTime, platform, podmanCommand, registryHost, shortDigest } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';
import { artifactRoute, projectRoute, repositoryRoute } from '../links.ts';
import { Link, navigate } from '../router.tsx';
import type { Artifact } from '../types.ts';
import { ArtifactInternals } from './ArtifactInternals.tsx';
import { ArtifactVulnerabilities } from './ArtifactVulnerabilities.tsx';
import { TagEditor } from './TagEditor.tsx';

export function ArtifactPage(props: { project: string; repository: string; reference: string }) {
  const base = `${repositoryPath(props.project, props.repository)}/artifacts/${encodeURIComponent(props.reference)}`;
  const t = useT(text);
  const artifact = useApi<Artifact>(base);
  const { ask, dialog } = useConfirm();
  const removal = useAction();
  const a = artifact.data;
  const access = useProjectAccess(props.project);
  // Opened by tag, the address keeps the tag (what the user asked for); actions use the digest.
  const byTag = !props.reference.includes(':');
  const notFound = artifact.error instanceof ApiError && artifact.error.status === 404;
  const isIndex = (a?.references.length ?? 0) > 0;
  const deleteArtifact = async (a: Artifact) => {
    const tags = `${a.tags.map((tag) => tag.name).join(', ')}${a.tag_count > a.tags.length ? ', …' : ''}`;
    const ok = await ask({
      title: t('deleteTitle'),
      message: (
        <>
          <code className="mono">{a.digest}</code>
          <br />
          {a.tag_count === 0 ? t('noTags') : t(a.tag_count === 1 ? 'oneTag' : 'manyTags', { n: a.tag_count, tags })}{' '}
          {t('manifestUnknown')}
        </>
      ),
      confirmLabel: t('deleteArtifact'),
    });
    if (!ok) return;
    const done = await removal.run(async () => {
      await del(`${repositoryPath(props.project, props.repository)}/artifacts/${a.digest}`);
      return true;
    });
    if (done) navigate(repositoryRoute(props.repository));
  };
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">{t('projects')}</Link> / <Link to={projectRoute(props.project)}>{props.project}</Link> /{' '}
        <Link to={repositoryRoute(props.repository)}>{props.repository}</Link> /
      </p>
      <div className="title-row">
        <h1 className="mono-title">
          {props.repository}
          {byTag ? (
            <span className="muted">:{props.reference}</span>
          ) : (
            <span className="muted">@{shortDigest(props.reference)}</span>
          )}
        </h1>
        {a && !access.anonymous ? (
          <button
            type="button"
            className="danger"
            disabled={!access.canDelete || removal.busy}
            title={access.canDelete ? undefined : t('needsDelete', { project: props.project })}
            onClick={() => deleteArtifact(a)}
          >
            {t('deleteArtifact')}
          </button>
        ) : null}
      </div>
      {notFound ? (
        <p className="notice">
          {props.reference.startsWith('sha256:')
            ? t('noDigest', { repository: props.repository, digest: shortDigest(props.reference) })
            : t('noTag', { repository: props.repository, tag: props.reference })}{' '}
          <Link to={repositoryRoute(props.repository)}>{t('seeArtifacts')}</Link>
        </p>
      ) : (
        <ErrorBox
          error={artifact.error}
          onRetry={artifact.reload}
          context={{ permission: t('pullIn', { project: props.project }) }}
        />
      )}
      <ErrorBox error={removal.error} context={{ permission: t('deleteIn', { project: props.project }) }} />
      {a ? (
        <>
          <CopyField
            text={podmanCommand('pull', `${registryHost()}/${props.repository}@${a.digest}`)}
            label={t('copyPull')}
          />
          <dl className="facts">
            <dt>{t('digest')}</dt>
            <dd className="mono digest">
              {a.digest} <CopyButton text={a.digest} label={t('copyDigest')} />
            </dd>
            <dt>{t('type')}</dt>
            <dd>
              {isIndex ? t('multi') : a.type.toLowerCase()}
              <span className="muted small"> · {a.manifest_media_type}</span>
            </dd>
            <dt>{t('size')}</dt>
            <dd>{bytes(a.size)}</dd>
            <dt>{isIndex ? t('platforms') : t('platform')}</dt>
            <dd>
              {isIndex
                ? a.references.map((r) => platform(r.platform)).join(', ')
                : a.extra_attrs?.os
                  ? platform(a.extra_attrs)
                  : '—'}
            </dd>
            <dt>{t('created')}</dt>
            <dd>{dateTime(a.extra_attrs?.created)}</dd>
            <dt>{t('pushed')}</dt>
            <dd>{dateTime(a.push_time)}</dd>
            {a.subject_digest ? (
              <>
                <dt>{t('refersTo')}</dt>
                <dd>
                  <Link to={artifactRoute(props.repository, a.subject_digest)} className="mono">
                    {shortDigest(a.subject_digest)}
                  </Link>
                </dd>
              </>
            ) : null}
          </dl>
          <TagEditor
            artifact={a}
            base={`${repositoryPath(props.project, props.repository)}/artifacts/${a.digest}`}
            project={props.project}
            // Once its tags change, the tag in the address may be gone: go on by digest.
            onChange={() => (byTag ? navigate(artifactRoute(props.repository, a.digest), true) : artifact.reload())}
          />
          <ArtifactVulnerabilities
            base={`${repositoryPath(props.project, props.repository)}/artifacts/${a.digest}`}
            canScan={access.canPush && !access.anonymous}
          />
          <ArtifactInternals artifact={a} repository={props.repository} />
        </>
      ) : null}
      {dialog}
    </section>
  );
}

const text = messages(
  {
    projects: 'Projects',
    deleteTitle: 'Delete this artifact?',
    deleteArtifact: 'Delete artifact',
    noTags: 'It has no tags.',
    oneTag: 'Its tag ({tags}) goes with it.',
    manyTags: 'Its {n} tags ({tags}) go with it.',
    manifestUnknown: 'Anyone pulling it by digest will get “manifest unknown”.',
    needsDelete: 'needs the delete artifact permission in project {project}',
    deleteIn: 'delete artifact in project {project}',
    pullIn: 'pull in project {project}',
    noDigest: '{repository} has no artifact {digest} (any more).',
    noTag: '{repository} has no artifact tagged “{tag}” (any more).',
    seeArtifacts: 'See its artifacts.',
    copyPull: 'Copy pull command',
    digest: 'Digest',
    copyDigest: 'Copy digest',
    type: 'Type',
    multi: 'multi-platform index',
    size: 'Size',
    platforms: 'Platforms',
    platform: 'Platform',
    created: 'Created',
    pushed: 'Pushed',
    refersTo: 'Refers to',
  },
  {
    projects: '项目',
    deleteTitle: '删除此制品？',
    deleteArtifact: '删除制品',
    noTags: '它没有标签。',
    oneTag: '它的标签（{tags}）将一并删除。',
    manyTags: '它的 {n} 个标签（{tags}）将一并删除。',
    manifestUnknown: '之后按摘要拉取它会得到“manifest unknown”。',
    needsDelete: '需要项目 {project} 的删除制品权限',
    deleteIn: '在项目 {project} 中删除制品',
    pullIn: '在项目 {project} 中拉取',
    noDigest: '{repository} 中（已）没有制品 {digest}。',
    noTag: '{repository} 中（已）没有标签为“{tag}”的制品。',
    seeArtifacts: '查看它的制品。',
    copyPull: '复制拉取命令',
    digest: '摘要',
    copyDigest: '复制摘要',
    type: '类型',
    multi: '多平台索引',
    size: '大小',
    platforms: '平台',
    platform: '平台',
    created: '构建时间',
    pushed: '推送时间',
    refersTo: '引用对象',
  },
);
