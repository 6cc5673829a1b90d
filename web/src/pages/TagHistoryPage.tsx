/** A tag's history as a timeline (/projects/{p}/repositories/{r}/tags/{tag}/history), with rollback after confirmation. */
import { useState } from 'react';
import { request } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { dateTime, shortDigest } from '../format.ts';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    history: '— history',
    by: 'by {actor}',
    anonymous: 'anonymous',
    rollBackToThis: 'Roll back to this',
    current: 'current',
    rollBackTitle: 'Roll back tag',
    rollBack: 'Roll back',
    move: 'Move',
    backTo: 'back to',
    pushed: '(pushed {time})? Clients pulling {tag} get that image from now on.',
  },
  {
    history: '— 历史',
    by: '操作者 {actor}',
    anonymous: '匿名',
    rollBackToThis: '回滚到此版本',
    current: '当前',
    rollBackTitle: '回滚标签',
    rollBack: '回滚',
    move: '将',
    backTo: '移回到',
    pushed: '（推送于 {time}）？从现在起拉取 {tag} 的客户端将获得该镜像。',
  },
);

interface Entry {
  digest: string;
  time: string;
  actor: string | null;
  operation: string;
}

export function TagHistoryPage(props: { project: string; repository: string; tag: string }) {
  const path = `/projects/${encodeURIComponent(props.project)}/repositories/${encodeURIComponent(
    encodeURIComponent(props.repository),
  )}/tags/${encodeURIComponent(props.tag)}`;
  const history = useApi<Entry[]>(`${path}/history`);
  const [target, setTarget] = useState<Entry | null>(null);
  const action = useAction();
  const current = history.data?.[0];
  const t = useT(catalog);
  return (
    <section>
      <h1>
        {props.project}/{props.repository}:{props.tag} {t('history')}
      </h1>
      <ErrorBox error={action.error ?? history.error} />
      <ol className="timeline">
        {(history.data ?? []).map((e, i) => (
          <li key={`${e.time}-${e.operation}-${e.digest}`} className={`timeline-${e.operation}`}>
            <span className="when">{dateTime(e.time)}</span> <strong>{e.operation}</strong>{' '}
            <code title={e.digest}>{shortDigest(e.digest)}</code> {t('by', { actor: e.actor ?? t('anonymous') })}
            {e.operation !== 'delete' && current && !(current.digest === e.digest && current.operation !== 'delete') ? (
              <button type="button" onClick={() => setTarget(e)}>
                {t('rollBackToThis')}
              </button>
            ) : null}
            {i === 0 && e.operation !== 'delete' ? <span className="badge">{t('current')}</span> : null}
          </li>
        ))}
      </ol>
      {target ? (
        <ConfirmDialog
          title={t('rollBackTitle')}
          confirmLabel={t('rollBack')}
          onCancel={() => setTarget(null)}
          onConfirm={async () => {
            await action.run(() => request(`${path}/rollback`, { method: 'POST', body: { digest: target.digest } }));
            setTarget(null);
            history.reload();
          }}
        >
          {t('move')} <code>{props.tag}</code> {t('backTo')} <code>{shortDigest(target.digest)}</code>{' '}
          {t('pushed', { time: dateTime(target.time), tag: props.tag })}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
