/** A project's immutable tag rules (Harbor's /projects/{p}/immutabletagrules): list, add, delete. */
import { type FormEvent, useState } from 'react';
import { del, post } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { common } from '../i18n/common.ts';
import { useT } from '../i18n/index.ts';
import { policiesText } from './policies-catalog.ts';

interface Selector {
  decoration: string;
  pattern: string;
}

interface ImmutableRule {
  id: number;
  disabled: boolean;
  tag_selectors: Selector[];
  scope_selectors: { repository?: Selector[] };
}

const patterns = (list: Selector[] | undefined) => (list ?? []).map((s) => s.pattern).join(', ');

export function ImmutableRulesPanel(props: { project: string }) {
  const t = useT(policiesText);
  const c = useT(common);
  const base = `/projects/${encodeURIComponent(props.project)}/immutabletagrules`;
  const rules = useApi<ImmutableRule[]>(base);
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const [repos, setRepos] = useState('**');
  const [tags, setTags] = useState('');
  const permission = t('permission', { project: props.project });

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const done = await action.run(() =>
      post(base, {
        disabled: false,
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tags.trim() }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repos.trim() }] },
      }),
    );
    if (done !== undefined) {
      setTags('');
      rules.reload();
    }
  };
  const remove = async (rule: ImmutableRule) => {
    if (
      !(await ask({
        title: c('delete'),
        message: t('deleteImmutableAsk', { tags: patterns(rule.tag_selectors) }),
        confirmLabel: c('delete'),
      }))
    )
      return;
    await action.run(() => del(`${base}/${rule.id}`));
    rules.reload();
  };

  return (
    <div className="panel" id="immutable">
      <h2>{t('immutable')}</h2>
      <p className="muted small">{t('immutableHelp')}</p>
      <ErrorBox error={action.error ?? rules.error} onRetry={rules.reload} context={{ permission }} />
      <form className="inline-form" onSubmit={add}>
        <input aria-label={t('repositories')} value={repos} onChange={(e) => setRepos(e.target.value)} />
        <input aria-label={t('tags')} placeholder="v*" value={tags} onChange={(e) => setTags(e.target.value)} />
        <button type="submit" disabled={action.busy || !tags.trim() || !repos.trim()}>
          {t('addImmutable')}
        </button>
      </form>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('repositories')}</th>
              <th>{t('tags')}</th>
              <th>{t('status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(rules.data ?? []).map((r) => (
              <tr key={r.id}>
                <td className="mono">{patterns(r.scope_selectors.repository) || '**'}</td>
                <td className="mono">{patterns(r.tag_selectors)}</td>
                <td>{r.disabled ? c('disabled') : c('enabled')}</td>
                <td className="right">
                  <button type="button" className="link danger-text" onClick={() => void remove(r)}>
                    {c('delete')}
                  </button>
                </td>
              </tr>
            ))}
            {rules.data && rules.data.length === 0 ? <EmptyRow columns={4}>{t('noImmutable')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      {dialog}
    </div>
  );
}
