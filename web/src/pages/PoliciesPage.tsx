/**
 * A project's policies: tag retention (Harbor's /retentions: rules, schedule,
 * run now or dry run, executions with what they kept and removed) and the
 * immutable tag rules.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { post, put, request } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { common } from '../i18n/common.ts';
import { useT } from '../i18n/index.ts';
import { ImmutableRulesPanel } from './ImmutableRulesPanel.tsx';
import { policiesText } from './policies-catalog.ts';
import { type Execution, RetentionExecutions } from './RetentionExecutions.tsx';

const TEMPLATES = ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always'] as const;
type Template = (typeof TEMPLATES)[number];

interface Selector {
  kind: string;
  decoration: string;
  pattern: string;
  extras?: string;
}

interface Rule {
  id?: number;
  disabled: boolean;
  action: string;
  template: Template;
  params: Record<string, number>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

interface Policy {
  id: number;
  rules: Rule[];
  trigger: { kind: string; settings: { cron: string } };
}

interface Draft {
  template: Template;
  n: number;
  repos: string;
  tags: string;
  exclude: boolean;
  untagged: boolean;
}

const EMPTY: Draft = { template: 'latestPushedK', n: 10, repos: '**', tags: '**', exclude: false, untagged: false };

const toRule = (d: Draft): Rule => ({
  disabled: false,
  action: 'retain',
  template: d.template,
  params: d.template === 'always' ? {} : { [d.template]: d.n },
  tag_selectors: [
    {
      kind: 'doublestar',
      decoration: d.exclude ? 'excludes' : 'matches',
      pattern: d.tags,
      ...(d.untagged ? { extras: '{"untagged":true}' } : {}),
    },
  ],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: d.repos }] },
});

const toDraft = (r: Rule): Draft => {
  const tag = r.tag_selectors.find((s) => s.kind === 'doublestar');
  return {
    template: r.template,
    n: r.params[r.template] ?? 0,
    repos: r.scope_selectors.repository[0]?.pattern ?? '**',
    tags: tag?.pattern ?? '**',
    exclude: tag?.decoration === 'excludes',
    untagged: tag?.extras?.includes('"untagged":true') ?? false,
  };
};

export function PoliciesPage(props: { project: string }) {
  const t = useT(policiesText);
  const c = useT(common);
  const projectView = useApi<{ project_id: number; metadata: Record<string, string> }>(
    `/projects/${encodeURIComponent(props.project)}`,
  );
  const policyId = projectView.data?.metadata.retention_id;
  const policy = useApi<Policy>(policyId ? `/retentions/${policyId}` : null);
  const executions = useApi<Execution[]>(policyId ? `/retentions/${policyId}/executions?page_size=20` : null);
  const action = useAction();
  const { ask, dialog } = useConfirm();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [cron, setCron] = useState('');
  const rules = policy.data?.rules ?? [];
  const permission = t('permission', { project: props.project });

  useEffect(() => setCron(policy.data?.trigger.settings.cron ?? ''), [policy.data]);
  // While an execution runs, look again every second.
  const running = executions.data?.some((e) => e.status === 'Running');
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(executions.reload, 1000);
    return () => clearTimeout(timer);
  });

  /** Saves the whole policy (Harbor's model: rules and trigger in one document). */
  const save = async (next: Rule[], nextCron = cron) => {
    const body = {
      algorithm: 'or',
      rules: next,
      trigger: { kind: 'Schedule', settings: { cron: nextCron.trim() } },
      scope: { level: 'project', ref: projectView.data?.project_id },
    };
    const done = await action.run(() => (policyId ? put(`/retentions/${policyId}`, body) : post('/retentions', body)));
    if (done === undefined) return false;
    projectView.reload();
    policy.reload();
    return true;
  };
  const submitRule = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const next =
      editing === null ? [...rules, toRule(draft)] : rules.map((r, i) => (i === editing ? toRule(draft) : r));
    if (await save(next)) {
      setDraft(null);
      setEditing(null);
    }
  };
  const removeRule = async (i: number) => {
    if (!(await ask({ title: t('deleteRule'), message: t('deleteRuleAsk', { n: i + 1 }), confirmLabel: c('delete') })))
      return;
    await save(rules.filter((_, j) => j !== i));
  };
  const execute = async (dryRun: boolean) => {
    if (!dryRun && !(await ask({ title: t('runNow'), message: t('runAsk'), confirmLabel: t('runNow') }))) return;
    await action.run(() =>
      request(`/retentions/${policyId}/executions`, { method: 'POST', body: { dry_run: dryRun } }),
    );
    executions.reload();
  };
  const openDraft = (index: number | null, d: Draft | null) => {
    setEditing(index);
    setDraft(d);
  };
  const describe = (r: Rule) => t(r.template, { n: r.params[r.template] ?? 0 });

  return (
    <section>
      <ProjectTabs project={props.project} current="policies" />
      <div className="panel" id="retention">
        <h2>{t('retention')}</h2>
        <p className="muted small">{t('retentionHelp')}</p>
        <ErrorBox error={action.error ?? projectView.error ?? policy.error} context={{ permission }} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('rule')}</th>
                <th>{t('template')}</th>
                <th>{t('repositories')}</th>
                <th>{t('tags')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.map((r, i) => {
                const d = toDraft(r);
                return (
                  <tr key={r.id ?? `new-${r.template}`}>
                    <td>{i + 1}</td>
                    <td>{describe(r)}</td>
                    <td className="mono">{d.repos}</td>
                    <td className="mono">
                      {d.exclude ? t('excluding') : t('matching')} {d.tags}
                      {d.untagged ? ` + ${t('untagged')}` : ''}
                    </td>
                    <td className="right">
                      <button type="button" className="link" onClick={() => openDraft(i, d)}>
                        {c('edit')}
                      </button>{' '}
                      <button type="button" className="link danger-text" onClick={() => void removeRule(i)}>
                        {c('delete')}
                      </button>
                    </td>
                  </tr>
                );
              })}
              {policy.data === null || rules.length === 0 ? <EmptyRow columns={5}>{t('noPolicy')}</EmptyRow> : null}
            </tbody>
          </table>
        </div>
        {draft ? (
          <form
            className="inline-form"
            onSubmit={submitRule}
            aria-label={editing === null ? t('addRule') : t('editRule')}
          >
            <select
              aria-label={t('template')}
              value={draft.template}
              onChange={(e) => setDraft({ ...draft, template: e.target.value as Template })}
            >
              {TEMPLATES.map((k) => (
                <option key={k} value={k}>
                  {t(k, { n: '#' })}
                </option>
              ))}
            </select>
            {draft.template !== 'always' ? (
              <input
                aria-label={t('count')}
                type="number"
                min={0}
                value={draft.n}
                onChange={(e) => setDraft({ ...draft, n: Number(e.target.value) })}
              />
            ) : null}
            <input
              aria-label={t('repositories')}
              value={draft.repos}
              onChange={(e) => setDraft({ ...draft, repos: e.target.value })}
            />
            <select
              aria-label={t('matching')}
              value={draft.exclude ? 'excludes' : 'matches'}
              onChange={(e) => setDraft({ ...draft, exclude: e.target.value === 'excludes' })}
            >
              <option value="matches">{t('matching')}</option>
              <option value="excludes">{t('excluding')}</option>
            </select>
            <input
              aria-label={t('tags')}
              value={draft.tags}
              onChange={(e) => setDraft({ ...draft, tags: e.target.value })}
            />
            <label className="check">
              <input
                type="checkbox"
                checked={draft.untagged}
                onChange={(e) => setDraft({ ...draft, untagged: e.target.checked })}
              />{' '}
              {t('includeUntagged')}
            </label>
            <button type="submit" disabled={action.busy}>
              {t('saveRule')}
            </button>
            <button type="button" className="link" onClick={() => openDraft(null, null)}>
              {c('cancel')}
            </button>
          </form>
        ) : (
          <p>
            <button type="button" onClick={() => openDraft(null, EMPTY)} disabled={!projectView.data}>
              {t('addRule')}
            </button>
          </p>
        )}
        {policyId ? (
          <>
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void save(rules, cron);
              }}
            >
              <input
                aria-label={t('schedule')}
                placeholder="0 0 3 * * *"
                value={cron}
                onChange={(e) => setCron(e.target.value)}
              />
              <button type="submit" disabled={action.busy}>
                {t('saveSchedule')}
              </button>
              <span className="muted small">{t('scheduleHelp')}</span>
            </form>
            <p>
              <button type="button" onClick={() => void execute(true)} disabled={action.busy || running}>
                {t('dryRun')}
              </button>{' '}
              <button
                type="button"
                className="danger"
                onClick={() => void execute(false)}
                disabled={action.busy || running}
              >
                {t('runNow')}
              </button>
            </p>
            <RetentionExecutions policy={Number(policyId)} executions={executions} />
          </>
        ) : null}
      </div>
      <ImmutableRulesPanel project={props.project} />
      {dialog}
    </section>
  );
}
