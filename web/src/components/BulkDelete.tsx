/**
 * Deleting several artifacts and tags of a repository at once: tick them,
 * then one confirmation lists everything that goes. A ticked artifact takes
 * its tags with it; a ticked tag alone only untags.
 */
import { useState } from 'react';
import { del, query, repositoryPath } from '../api.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import type { Artifact } from '../types.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { useAction } from './use-action.ts';
import { useApi } from './use-api.ts';
import { useConfirm } from './use-confirm.tsx';

const catalog = messages(
  {
    open: 'Select artifacts and tags to delete…',
    title: 'Delete artifacts and tags',
    hint: 'Ticking an artifact deletes it with all its tags; ticking only a tag removes just that tag.',
    artifact: 'artifact {digest}',
    tag: 'tag {tag}',
    untagged: 'untagged',
    deleteSelected: 'Delete {count} selected',
    confirmTitle: 'Delete {count} items from {repository}?',
    confirmList: 'These go: {list}. This cannot be undone.',
    failed: '{count} could not be deleted: {reasons}',
    none: 'Nothing to delete.',
  },
  {
    open: '选择要删除的制品和标签…',
    title: '删除制品和标签',
    hint: '勾选制品会连同其所有标签一起删除；只勾选标签则仅移除该标签。',
    artifact: '制品 {digest}',
    tag: '标签 {tag}',
    untagged: '无标签',
    deleteSelected: '删除所选 {count} 项',
    confirmTitle: '从 {repository} 删除 {count} 项？',
    confirmList: '将删除：{list}。此操作无法撤销。',
    failed: '{count} 项删除失败：{reasons}',
    none: '没有可删除的内容。',
  },
);

const short = (digest: string) => digest.replace('sha256:', '').slice(0, 12);

export function BulkDelete(props: { project: string; repository: string; onChanged: () => void }) {
  const t = useT(catalog);
  const c = useT(common);
  const [open, setOpen] = useState(false);
  const base = repositoryPath(props.project, props.repository);
  const artifacts = useApi<Artifact[]>(
    open ? `${base}/artifacts${query({ page_size: 100, sort: '-push_time' })}` : null,
  );
  const [digests, setDigests] = useState<Set<string>>(new Set());
  const [tags, setTags] = useState<Set<string>>(new Set());
  const action = useAction();
  const { ask, dialog } = useConfirm();

  if (!open)
    return (
      <p>
        <button type="button" className="link danger-text" onClick={() => setOpen(true)}>
          {t('open')}
        </button>
      </p>
    );

  const flip = (set: Set<string>, value: string, update: (s: Set<string>) => void) => {
    const next = new Set(set);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    update(next);
  };
  const list = artifacts.data ?? [];
  // Tags of a ticked artifact go with it: they are not listed twice.
  const tagJobs = list.flatMap((a) =>
    digests.has(a.digest)
      ? []
      : a.tags.filter((x) => tags.has(`${a.digest}:${x.name}`)).map((x) => ({ a, tag: x.name })),
  );
  const count = digests.size + tagJobs.length;

  const run = async () => {
    const names = [
      ...[...digests].map((d) => t('artifact', { digest: short(d) })),
      ...tagJobs.map((j) => t('tag', { tag: j.tag })),
    ];
    const ok = await ask({
      title: t('confirmTitle', { count, repository: props.repository }),
      message: t('confirmList', { list: names.join(', ') }),
      confirmLabel: t('deleteSelected', { count }),
    });
    if (!ok) return;
    await action.run(async () => {
      const failures: string[] = [];
      for (const j of tagJobs)
        await del(`${base}/artifacts/${j.a.digest}/tags/${encodeURIComponent(j.tag)}`).catch((e: Error) =>
          failures.push(`${j.tag}: ${e.message}`),
        );
      for (const d of digests)
        await del(`${base}/artifacts/${d}`).catch((e: Error) => failures.push(`${short(d)}: ${e.message}`));
      setDigests(new Set());
      setTags(new Set());
      artifacts.reload();
      props.onChanged();
      if (failures.length > 0) throw new Error(t('failed', { count: failures.length, reasons: failures.join('; ') }));
    });
  };

  return (
    <div className="panel bulk-delete">
      {dialog}
      <div className="title-row">
        <h2>{t('title')}</h2>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          {c('close')}
        </button>
      </div>
      <p className="muted small">{t('hint')}</p>
      <ErrorBox error={artifacts.error ?? action.error} />
      <ul className="bulk-list">
        {list.map((a) => (
          <li key={a.digest}>
            <label className="check mono">
              <input
                type="checkbox"
                aria-label={t('artifact', { digest: short(a.digest) })}
                checked={digests.has(a.digest)}
                onChange={() => flip(digests, a.digest, setDigests)}
              />
              {short(a.digest)}
            </label>
            <span className="chips">
              {a.tags.length === 0 ? <span className="muted small">{t('untagged')}</span> : null}
              {a.tags.map((x) => (
                <label key={x.name} className="check chip">
                  <input
                    type="checkbox"
                    aria-label={t('tag', { tag: x.name })}
                    disabled={digests.has(a.digest)}
                    checked={digests.has(a.digest) || tags.has(`${a.digest}:${x.name}`)}
                    onChange={() => flip(tags, `${a.digest}:${x.name}`, setTags)}
                  />
                  {x.name}
                </label>
              ))}
            </span>
          </li>
        ))}
        {artifacts.data && list.length === 0 ? <li className="muted">{t('none')}</li> : null}
      </ul>
      <button type="button" className="danger" disabled={count === 0 || action.busy} onClick={run}>
        {t('deleteSelected', { count })}
      </button>
    </div>
  );
}
