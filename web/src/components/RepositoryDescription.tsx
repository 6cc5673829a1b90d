/**
 * A repository's description (Harbor's repository `description`), written in
 * markdown and shown rendered; maintainers edit it in place.
 */
import { useState } from 'react';
import { put, repositoryPath } from '../api.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { Markdown } from './markdown.tsx';
import './admin.css';
import { useAction } from './use-action.ts';
import { useApi } from './use-api.ts';

const catalog = messages(
  {
    title: 'Description',
    none: 'No description yet.',
    add: 'Add a description',
    hint: 'Markdown: # headings, lists, `code`, **bold**, [links](https://…). HTML is shown as text.',
    label: 'description (markdown)',
  },
  {
    title: '描述',
    none: '暂无描述。',
    add: '添加描述',
    hint: '支持 Markdown：# 标题、列表、`代码`、**粗体**、[链接](https://…)。HTML 按原文显示。',
    label: '描述（Markdown）',
  },
);

export function RepositoryDescription(props: { project: string; repository: string; canEdit: boolean }) {
  const t = useT(catalog);
  const c = useT(common);
  const path = repositoryPath(props.project, props.repository);
  const repo = useApi<{ description?: string }>(path);
  const [draft, setDraft] = useState<string | null>(null);
  const save = useAction();
  const text = repo.data?.description ?? '';
  if (draft !== null)
    return (
      <form
        className="panel form"
        aria-label={t('title')}
        onSubmit={async (e) => {
          e.preventDefault();
          if ((await save.run(() => put(path, { description: draft }))) !== undefined) {
            setDraft(null);
            repo.reload();
          }
        }}
      >
        <h2>{t('title')}</h2>
        <textarea aria-label={t('label')} rows={8} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <p className="muted small">{t('hint')}</p>
        <ErrorBox error={save.error} />
        <div className="buttons">
          <button type="submit" disabled={save.busy}>
            {c('save')}
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            {c('cancel')}
          </button>
        </div>
      </form>
    );
  if (!text && !props.canEdit) return null;
  return (
    <div className="panel description">
      <div className="title-row">
        <h2>{t('title')}</h2>
        {props.canEdit ? (
          <button type="button" className="link" onClick={() => setDraft(text)}>
            {text ? c('edit') : t('add')}
          </button>
        ) : null}
      </div>
      {text ? <Markdown text={text} /> : <p className="muted">{t('none')}</p>}
    </div>
  );
}
