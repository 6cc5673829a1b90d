/** The tags of an artifact, with adding and removing. */
import { type FormEvent, useState } from 'react';
import { del, get, post } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { useProjectAccess } from '../components/use-project-access.ts';
import { messages, useT } from '../i18n/index.ts';
import type { Artifact, Tag } from '../types.ts';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function TagEditor(props: { artifact: Artifact; base: string; project: string; onChange: () => void }) {
  const t = useT(text);
  const { ask, dialog } = useConfirm();
  const action = useAction();
  // Guests see the tags; only roles that may push add them, only those that may delete remove them.
  const access = useProjectAccess(props.project);
  const a = props.artifact;
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  /** Tags past the first page, fetched 100 at a time on request (an artifact may carry thousands). */
  const [more, setMore] = useState<Tag[]>([]);
  const [permission, setPermission] = useState('');
  const tagsBase = `${props.base.replace(/\/artifacts\/[^/]+$/, '')}/artifacts/${a.digest}/tags`;

  /** Runs one change through useAction, remembering which button is busy and the permission a refusal names. */
  const perform = async (which: string, needs: string, fn: () => Promise<unknown>) => {
    setBusy(which);
    setInvalid(false);
    setPermission(needs);
    const done = await action.run(async () => {
      await fn();
      return true;
    });
    setBusy(null);
    return done === true;
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const tag = name.trim();
    if (!TAG.test(tag)) {
      action.clear();
      setInvalid(true);
      return;
    }
    if (await perform('+', t('pushIn', { project: props.project }), () => post(tagsBase, { name: tag }))) {
      setName('');
      setMore([]);
      props.onChange();
    }
  };

  const remove = async (tag: string) => {
    const ok = await ask({
      title: t('removeTitle', { tag }),
      message: t('removeMessage'),
      confirmLabel: t('removeTag'),
    });
    if (!ok) return;
    const needs = t('deleteIn', { project: props.project });
    if (await perform(tag, needs, () => del(`${tagsBase}/${encodeURIComponent(tag)}`))) {
      setMore([]);
      props.onChange();
    }
  };

  const shown = [...a.tags, ...more];
  const loadMore = () =>
    perform('more', '', async () => {
      const page = Math.floor(shown.length / 100) + 1;
      const next = await get<Tag[]>(`${tagsBase}?page=${page}&page_size=100`);
      setMore((m) => [...m, ...next]);
    });

  return (
    <div className="panel">
      {dialog}
      <h2>
        {t('tags')} <span className="muted small">({a.tag_count})</span>
      </h2>
      <ul className="chips tag-list">
        {a.tags.length === 0 ? <li className="muted">{t('untagged')}</li> : null}
        {shown.map((tag) => (
          <li key={tag.name} className="chip">
            {tag.name}
            {access.anonymous ? null : (
              <button
                type="button"
                className="chip-remove"
                aria-label={t('removeLabel', { tag: tag.name })}
                title={t('removeLabel', { tag: tag.name })}
                disabled={busy !== null || !access.canDelete}
                onClick={() => remove(tag.name)}
              >
                ×
              </button>
            )}
          </li>
        ))}
        {a.tag_count > shown.length ? (
          <li>
            <button type="button" className="link" onClick={loadMore} disabled={busy !== null}>
              {busy === 'more' ? t('loading') : t('showMore', { n: a.tag_count - shown.length })}
            </button>
          </li>
        ) : null}
      </ul>
      {access.anonymous ? null : (
        <form className="inline-form" onSubmit={add}>
          <input
            aria-label={t('newTag')}
            placeholder={t('newTagHint')}
            value={name}
            disabled={!access.canPush}
            title={access.canPush ? undefined : t('needsPush', { project: props.project })}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={busy !== null || name.trim() === '' || !access.canPush}>
            {busy === '+' ? t('adding') : t('addTag')}
          </button>
        </form>
      )}
      {invalid ? (
        <p className="error" role="alert">
          {t('invalid')}
        </p>
      ) : null}
      <ErrorBox error={action.error} context={permission ? { permission } : undefined} />
    </div>
  );
}

const text = messages(
  {
    tags: 'Tags',
    untagged: 'untagged',
    pushIn: 'push in project {project}',
    deleteIn: 'delete artifact in project {project}',
    invalid: 'A tag is letters, digits, “_”, “.” and “-” (at most 128), not starting with “.” or “-”.',
    removeTitle: 'Remove the tag {tag}?',
    removeMessage: 'The artifact itself stays, with its other tags and its digest.',
    removeTag: 'Remove tag',
    removeLabel: 'remove tag {tag}',
    loading: 'Loading…',
    showMore: 'Show more ({n} not shown)',
    newTag: 'new tag',
    newTagHint: 'new tag, e.g. stable',
    needsPush: 'needs the push permission in project {project}',
    adding: 'Adding…',
    addTag: 'Add tag',
  },
  {
    tags: '标签',
    untagged: '无标签',
    pushIn: '在项目 {project} 中推送',
    deleteIn: '在项目 {project} 中删除制品',
    invalid: '标签由字母、数字、“_”、“.”和“-”组成（最多 128 个字符），且不能以“.”或“-”开头。',
    removeTitle: '移除标签 {tag}？',
    removeMessage: '制品本身会保留，包括它的其他标签和摘要。',
    removeTag: '移除标签',
    removeLabel: '移除标签 {tag}',
    loading: '加载中…',
    showMore: '显示更多（还有 {n} 个未显示）',
    newTag: '新标签',
    newTagHint: '新标签，例如 stable',
    needsPush: '需要项目 {project} 的推送权限',
    adding: '正在添加…',
    addTag: '添加标签',
  },
);
