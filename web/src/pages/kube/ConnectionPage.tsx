/** One registry connection: its facts and test, pull secret, container snippet and placements in clusters. */
import { useState } from 'react';
import { post } from '../../api.ts';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { dateTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { Username } from './ConnectionsPage.tsx';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import { PlacementsPanel } from './PlacementsPanel.tsx';
import { PullSecretPanel } from './PullSecretPanel.tsx';
import { SnippetPanel } from './SnippetPanel.tsx';
import { TestChecks } from './TestChecks.tsx';
import { type Connection, type TestResult, typeLabel } from './types.ts';

function TestPanel(props: { connection: Connection }) {
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
      <h2>Test connection</h2>
      <div className="inline-form grow">
        <input
          aria-label="Repository to pull"
          placeholder="repository to try, e.g. team/app (optional)"
          value={repository}
          onChange={(e) => setRepository(e.target.value)}
        />
        <input
          aria-label="Tag or digest"
          placeholder="tag (optional)"
          value={reference}
          onChange={(e) => setReference(e.target.value)}
        />
        <button type="button" onClick={run} disabled={action.busy}>
          {action.busy ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      <ErrorBox error={action.error} context={KUBE_CONTEXT} />
      {result ? <TestChecks result={result} time={result.time} title="Last test" /> : null}
    </div>
  );
}

export function ConnectionPage(props: { id: number }) {
  const conn = useApi<Connection>(`/kube/connections/${props.id}`);
  const c = conn.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/kube">Kubernetes</Link> / <Link to="/kube">Registry connections</Link> /
      </p>
      <h1>{c?.name ?? `Connection ${props.id}`}</h1>
      <ErrorBox error={conn.error} onRetry={conn.reload} context={KUBE_CONTEXT} />
      {c ? (
        <>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{typeLabel(c.type)}</dd>
            <dt>Address</dt>
            <dd className="mono">{c.address}</dd>
            <dt>Username</dt>
            <dd>
              <Username connection={c} />
            </dd>
            {c.description ? (
              <>
                <dt>Description</dt>
                <dd>{c.description}</dd>
              </>
            ) : null}
            <dt>Changed</dt>
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
