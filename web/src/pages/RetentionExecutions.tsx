/** The executions of a retention policy, each with its tasks and what was (or would be) kept and removed. */
import { Fragment, useEffect, useState } from 'react';
import { get, getText } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import type { Loaded } from '../components/use-api.ts';
import { dateTime, shortDigest } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { policiesText } from './policies-catalog.ts';

export interface Execution {
  id: number;
  status: string;
  trigger: string;
  dry_run: boolean;
  start_time: string;
  end_time: string;
}

interface Task {
  id: number;
  repository: string;
  total: number;
  retained: number;
}

interface Line {
  action: string;
  digest: string;
  tags: string;
  reason: string;
}

/** A task log line: `action digest tags (reason)`; the action may be two words ("would remove"). */
function parse(log: string): Line[] {
  return log
    .split('\n')
    .slice(1)
    .map((l) => /^(retained|removed|would remove)\s+(\S+) (\S+) \((.*)\)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ action: m[1], digest: m[2], tags: m[3], reason: m[4] }));
}

function Details(props: { policy: number; execution: Execution }) {
  const t = useT(policiesText);
  const [tasks, setTasks] = useState<(Task & { lines: Line[] })[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const base = `/retentions/${props.policy}/executions/${props.execution.id}/tasks`;
    get<Task[]>(`${base}?page_size=100`)
      .then((list) =>
        Promise.all(list.map(async (task) => ({ ...task, lines: parse(await getText(`${base}/${task.id}`)) }))),
      )
      .then(setTasks, setError);
  }, [props.policy, props.execution.id]);
  const label = (action: string) =>
    action === 'retained' ? t('retained') : action === 'removed' ? t('removed') : t('wouldRemove');
  return (
    <div className="execution-details">
      <ErrorBox error={error} />
      {(tasks ?? []).map((task) => (
        <div key={task.id}>
          <h3 className="mono small">
            {task.repository} — {t('retained')} {task.retained} / {task.total}
          </h3>
          <table>
            <tbody>
              {task.lines.map((l) => (
                <tr key={l.digest} className={l.action === 'retained' ? undefined : 'danger-text'}>
                  <td>{label(l.action)}</td>
                  <td className="mono" title={l.digest}>
                    {shortDigest(l.digest)}
                  </td>
                  <td className="mono">{l.tags === '<untagged>' ? t('untagged') : l.tags}</td>
                  <td className="small muted">{l.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

export function RetentionExecutions(props: { policy: number; executions: Loaded<Execution[]> }) {
  const t = useT(policiesText);
  const [open, setOpen] = useState<number | null>(null);
  const list = props.executions.data ?? [];
  return (
    <>
      <h3>{t('executions')}</h3>
      <ErrorBox error={props.executions.error} onRetry={props.executions.reload} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>{t('status')}</th>
              <th>{t('kind')}</th>
              <th>{t('trigger')}</th>
              <th>{t('started')}</th>
              <th className="hide-narrow">{t('ended')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <Fragment key={e.id}>
                <tr>
                  <td>{e.id}</td>
                  <td>{e.status}</td>
                  <td>{e.dry_run ? t('dryRun') : t('real')}</td>
                  <td>{e.trigger}</td>
                  <td>{dateTime(e.start_time)}</td>
                  <td className="hide-narrow">{e.end_time ? dateTime(e.end_time) : ''}</td>
                  <td className="right">
                    <button type="button" className="link" onClick={() => setOpen(open === e.id ? null : e.id)}>
                      {open === e.id ? t('hide') : t('details')}
                    </button>
                  </td>
                </tr>
                {open === e.id ? (
                  <tr>
                    <td colSpan={7}>
                      <Details policy={props.policy} execution={e} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
            {props.executions.data && list.length === 0 ? <EmptyRow columns={7}>{t('noExecutions')}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
