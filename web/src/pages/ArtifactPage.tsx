/**
 * One artifact: what it is, how to pull it, its tags (add, remove), layers
 * and build history, labels and annotations, platforms of an index, and what
 * refers to it. Deleting asks first.
 */
import { useState } from 'react';
import { ApiError, del, repositoryPath } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { CopyButton, CopyField } from '../components/CopyButton.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { useApi } from '../components/use-api.ts';
import { useProjectAccess } from '../components/use-project-access.ts';
import { bytes, dateTime, platform, podmanCommand, registryHost, shortDigest } from '../format.ts';
import { artifactRoute, projectRoute, repositoryRoute } from '../links.ts';
import { Link, navigate } from '../router.tsx';
import type { Artifact } from '../types.ts';
import { ArtifactInternals } from './ArtifactInternals.tsx';
import { ArtifactVulnerabilities } from './ArtifactVulnerabilities.tsx';
import { TagEditor } from './TagEditor.tsx';

export function ArtifactPage(props: { project: string; repository: string; reference: string }) {
  const base = `${repositoryPath(props.project, props.repository)}/artifacts/${encodeURIComponent(props.reference)}`;
  const artifact = useApi<Artifact>(base);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const a = artifact.data;
  const access = useProjectAccess(props.project);
  // Opened by tag, the address keeps the tag (what the user asked for); actions use the digest.
  const byTag = !props.reference.includes(':');
  const notFound = artifact.error instanceof ApiError && artifact.error.status === 404;
  const isIndex = (a?.references.length ?? 0) > 0;
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">Projects</Link> / <Link to={projectRoute(props.project)}>{props.project}</Link> /{' '}
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
        {a ? (
          <button
            type="button"
            className="danger"
            disabled={!access.canDelete}
            title={access.canDelete ? undefined : `needs the delete artifact permission in project ${props.project}`}
            onClick={() => setConfirming(true)}
          >
            Delete artifact
          </button>
        ) : null}
      </div>
      {notFound ? (
        <p className="notice">
          {props.repository} has no artifact{' '}
          {props.reference.startsWith('sha256:') ? shortDigest(props.reference) : `tagged “${props.reference}”`} (any
          more). <Link to={repositoryRoute(props.repository)}>See its artifacts</Link>.
        </p>
      ) : (
        <ErrorBox
          error={artifact.error}
          onRetry={artifact.reload}
          context={{ permission: `pull in project ${props.project}` }}
        />
      )}
      {a ? (
        <>
          <CopyField
            text={podmanCommand('pull', `${registryHost()}/${props.repository}@${a.digest}`)}
            label="Copy pull command"
          />
          <dl className="facts">
            <dt>Digest</dt>
            <dd className="mono digest">
              {a.digest} <CopyButton text={a.digest} label="Copy digest" />
            </dd>
            <dt>Type</dt>
            <dd>
              {isIndex ? 'multi-platform index' : a.type.toLowerCase()}
              <span className="muted small"> · {a.manifest_media_type}</span>
            </dd>
            <dt>Size</dt>
            <dd>{bytes(a.size)}</dd>
            <dt>{isIndex ? 'Platforms' : 'Platform'}</dt>
            <dd>
              {isIndex
                ? a.references.map((r) => platform(r.platform)).join(', ')
                : a.extra_attrs?.os
                  ? platform(a.extra_attrs)
                  : '—'}
            </dd>
            <dt>Created</dt>
            <dd>{dateTime(a.extra_attrs?.created)}</dd>
            <dt>Pushed</dt>
            <dd>{dateTime(a.push_time)}</dd>
            {a.subject_digest ? (
              <>
                <dt>Refers to</dt>
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
          <ArtifactVulnerabilities base={`${repositoryPath(props.project, props.repository)}/artifacts/${a.digest}`} />
          <ArtifactInternals artifact={a} repository={props.repository} />
        </>
      ) : null}
      {confirming && a ? (
        <ConfirmDialog
          title="Delete this artifact?"
          confirmLabel="Delete artifact"
          onCancel={() => {
            setConfirming(false);
            setDeleteError(null);
          }}
          onConfirm={async () => {
            try {
              await del(`${repositoryPath(props.project, props.repository)}/artifacts/${a.digest}`);
              navigate(repositoryRoute(props.repository));
            } catch (err) {
              setDeleteError(err);
            }
          }}
        >
          <p>
            <code className="mono">{a.digest}</code>
          </p>
          <p>
            {a.tag_count > 0
              ? `${a.tag_count === 1 ? 'Its tag' : `Its ${a.tag_count} tags`} (${a.tags.map((t) => t.name).join(', ')}${a.tag_count > a.tags.length ? ', …' : ''}) ${a.tag_count === 1 ? 'goes' : 'go'} with it. `
              : 'It has no tags. '}
            Anyone pulling it by digest will get “manifest unknown”.
          </p>
          {deleteError ? (
            <p className="error">
              {describeError(deleteError, { permission: `delete artifact in project ${props.project}` })}
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
