/** One registry connection: its facts and test, pull secret, container snippet and placements in clusters. */
import { useState } from 'react';
import { post } from '../../api.ts';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { dateTime } from '../../format.ts';
import { messages, useT } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';
import { Username } from './ConnectionsPage.tsx';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import { PlacementsPanel } from './PlacementsPanel.tsx';
import { PullSecretPanel } from './PullSecretPanel.tsx';
import { SnippetPanel } from './SnippetPanel.tsx';
import { TestChecks } from './TestChecks.tsx';
import { type Connection, type TestResult, typeLabel } from './types.ts';

function TestPanel(props: { connection: Connection }) {
  const t = useT(text);
  const [repository, setRepository] = useState('');
  const [reference, setReference] = useState('');
  const action = useAction();
  const [result, setResult] = useState<(TestResult & { time?: string }) | null>(props.connection.last_test);
  const run = async () => {
    const r = await action.run(() =>
      post<TestResult>(`/kube/connections/${props.connection.id}/test`, {
        ...(repository.trim() ? { repository: repository.trim() } : {}),
        ...(reference.trim() ? { reference: reference.trim() } : {}),
      }),
    );
    if (r) setResult({ ...r, time: new Date().toISOString() });
  };
  return (
    <div className="panel">
      <h2>{t('test')}</h2>
      <div className="inline-form grow">
        <input
          aria-label={t('repoLabel')}
          placeholder={t('repoHint')}
          value={repository}
          onChange={(e) => setRepository(e.target.value)}
        />
        <input
          aria-label={t('refLabel')}
          placeholder={t('refHint')}
          value={reference}
          onChange={(e) => setReference(e.target.value)}
        />
        <button type="button" onClick={run} disabled={action.busy}>
          {action.busy ? t('testing') : t('test')}
        </button>
      </div>
      <ErrorBox error={action.error} context={KUBE_CONTEXT} />
      {result ? <TestChecks result={result} time={result.time} title={t('lastTest')} /> : null}
    </div>
  );
}

export function ConnectionPage(props: { id: number }) {
  const t = useT(text);
  const conn = useApi<Connection>(`/kube/connections/${props.id}`);
  const c = conn.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/kube">Kubernetes</Link> / <Link to="/kube">{t('connections')}</Link> /
      </p>
      <h1>{c?.name ?? t('connection', { id: props.id })}</h1>
      <ErrorBox error={conn.error} onRetry={conn.reload} context={KUBE_CONTEXT} />
      {c ? (
        <>
          <dl className="facts">
            <dt>{t('type')}</dt>
            <dd>{typeLabel(c.type)}</dd>
            <dt>{t('address')}</dt>
            <dd className="mono">{c.address}</dd>
            <dt>{t('username')}</dt>
            <dd>
              <Username connection={c} />
            </dd>
            {c.description ? (
              <>
                <dt>{t('description')}</dt>
                <dd>{c.description}</dd>
              </>
            ) : null}
            <dt>{t('changed')}</dt>
            <dd>{dateTime(c.update_time)}</dd>
          </dl>
          <TestPanel connection={c} />
          <div className="two-col">
            <PullSecretPanel connection={c} />
            <SnippetPanel connection={c} />
          </div>
          <PlacementsPanel connection={c} />
        </>
      ) : null}
    </section>
  );
}

const text = messages(
  {
    test: 'Test connection',
    repoLabel: 'Repository to pull',
    repoHint: 'repository to try, e.g. team/app (optional)',
    refLabel: 'Tag or digest',
    refHint: 'tag (optional)',
    testing: 'Testing…',
    lastTest: 'Last test',
    connections: 'Registry connections',
    connection: 'Connection {id}',
    type: 'Type',
    address: 'Address',
    username: 'Username',
    description: 'Description',
    changed: 'Changed',
  },
  {
    test: '测试连接',
    repoLabel: '要拉取的仓库',
    repoHint: '要尝试的仓库，例如 team/app（可选）',
    refLabel: '标签或摘要',
    refHint: '标签（可选）',
    testing: '正在测试…',
    lastTest: '最近测试',
    connections: '仓库连接',
    connection: '连接 {id}',
    type: '类型',
    address: '地址',
    username: '用户名',
    description: '描述',
    changed: '修改时间',
  },
);
