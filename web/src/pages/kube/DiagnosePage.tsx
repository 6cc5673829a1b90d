/**
 * Why does a pull fail? Name a pod (cluster, namespace, pod) or an image and
 * namespace; each image gets one diagnosis code, the explanation, and what
 * to do about it.
 */
import { type FormEvent, useState } from 'react';
import { post } from '../../api.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { Link } from '../../router.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Cluster, ImageDiagnosis, PodDiagnosis } from './types.ts';

/** What to do, by diagnosis code (the server's message says what it found). */
const FIXES: Record<string, string> = {
  PULLABLE: 'Nothing to fix in the registry: if the pod still fails, read its events.',
  INVALID_IMAGE_REFERENCE: 'Correct the image reference in the pod spec (lower-case repository, valid tag or digest).',
  REGISTRY_UNREACHABLE: 'Check DNS, firewall and TLS between the nodes and the registry address.',
  NO_PULL_SECRET:
    'Place the registry connection’s pull secret in this namespace (Registry connections → a connection → Add placement), and reference it from the pod or its service account.',
  SECRET_NOT_REFERENCED:
    'The secret exists but nothing uses it: add it to the pod’s imagePullSecrets or to its service account (a placement with service accounts does this).',
  WRONG_CREDENTIALS: 'Update the connection’s password (or refresh its robot’s secret) and sync the placement.',
  ACCESS_DENIED: 'Grant the account pull access to the repository’s project (e.g. a robot of that project).',
  WRONG_CASE: 'Repository names are lower case: use the suggested repository.',
  REPOSITORY_NOT_FOUND: 'Push the image first, or correct the repository name.',
  MANIFEST_NOT_FOUND: 'Push that tag or digest, or use one the repository has.',
};

function ImageResult(props: { result: ImageDiagnosis }) {
  const r = props.result;
  return (
    <div className={r.ok ? 'diagnosis ok' : 'diagnosis failed'} data-code={r.code}>
      <div className="diagnosis-head">
        <span className={r.ok ? 'badge ok' : 'badge failure'}>{r.code}</span>
        <span className="mono wrap">
          {r.container ? `${r.container}: ` : ''}
          {r.image}
        </span>
      </div>
      <p className="diagnosis-message">{r.message}</p>
      <p className="diagnosis-fix">
        <strong>Fix: </strong>
        {FIXES[r.code] ?? 'See the message above.'}
      </p>
      {r.suggestion ? (
        <p className="suggestion">
          Suggested: <code>{r.suggestion}</code> <CopyButton text={r.suggestion} />
        </p>
      ) : null}
      <p className="muted small">
        {r.secrets_tried.length ? `secrets tried: ${r.secrets_tried.join(', ')}` : 'no pull secret applied'}
        {r.kubelet_reason ? ` · kubelet: ${r.kubelet_reason}` : ''}
      </p>
    </div>
  );
}

const FIELDS = ['cluster_id', 'namespace', 'pod', 'image', 'service_account'];

export function DiagnosePage() {
  const clusters = useApi<Cluster[]>('/kube/clusters?page_size=100');
  const [mode, setMode] = useState<'pod' | 'image'>('pod');
  const [clusterId, setClusterId] = useState<number | ''>('');
  const [namespace, setNamespace] = useState('default');
  const [target, setTarget] = useState('');
  const [serviceAccount, setServiceAccount] = useState('');
  const [asked, setAsked] = useState<{ result: PodDiagnosis | ImageDiagnosis; namespace: string; sa: string } | null>(
    null,
  );
  const result = asked?.result ?? null;
  const action = useAction();
  const cluster = clusterId === '' ? clusters.data?.[0]?.id : clusterId;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAsked(null);
    const body =
      mode === 'pod'
        ? { cluster_id: cluster, namespace, pod: target.trim() }
        : {
            cluster_id: cluster,
            namespace,
            image: target.trim(),
            ...(serviceAccount.trim() ? { service_account: serviceAccount.trim() } : {}),
          };
    const r = await action.run(() => post<PodDiagnosis | ImageDiagnosis>('/kube/diagnose', body));
    if (r) setAsked({ result: r, namespace, sa: mode === 'image' ? serviceAccount.trim() : '' });
  };

  return (
    <section>
      <KubeTabs current="diagnose" />
      {clusters.data?.length === 0 ? (
        <p className="notice">
          No clusters yet: <Link to="/kube/clusters">register one</Link> to diagnose its pulls.
        </p>
      ) : null}
      <form className="panel kube-form" onSubmit={submit}>
        <fieldset className="segmented" aria-label="diagnose">
          <button type="button" className={mode === 'pod' ? 'active' : undefined} onClick={() => setMode('pod')}>
            A pod
          </button>
          <button type="button" className={mode === 'image' ? 'active' : undefined} onClick={() => setMode('image')}>
            An image
          </button>
        </fieldset>
        <label className="field">
          Cluster
          <select aria-label="Cluster" value={cluster ?? ''} onChange={(e) => setClusterId(Number(e.target.value))}>
            {(clusters.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Namespace
          <input aria-label="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} />
        </label>
        <FieldError error={action.error} field="namespace" />
        <label className="field">
          {mode === 'pod' ? 'Pod' : 'Image'}
          <input
            aria-label={mode === 'pod' ? 'Pod' : 'Image'}
            value={target}
            placeholder={mode === 'pod' ? 'e.g. web-7d4b9c-x2x5q' : 'e.g. reg.example.com/team/app:1.0'}
            onChange={(e) => setTarget(e.target.value)}
          />
        </label>
        <FieldError error={action.error} field={['pod', 'image']} />
        {mode === 'image' ? (
          <label className="field">
            Service account (optional)
            <input
              aria-label="Service account"
              value={serviceAccount}
              placeholder="default"
              onChange={(e) => setServiceAccount(e.target.value)}
            />
          </label>
        ) : null}
        {action.error && !isFieldError(action.error, FIELDS) ? (
          <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={action.busy || !cluster || !target.trim() || !namespace.trim()}>
            {action.busy ? 'Diagnosing…' : 'Diagnose'}
          </button>
        </div>
      </form>
      {result ? (
        <section className="panel" aria-label="diagnosis">
          {'images' in result ? (
            <>
              <h2>
                Pod {result.namespace}/{result.pod}{' '}
                <span className="muted small">service account {result.service_account}</span>
              </h2>
              {result.images.map((i) => (
                <ImageResult key={`${i.container}-${i.image}`} result={i} />
              ))}
              {result.events.length ? (
                <>
                  <h3>Events</h3>
                  <ul className="events">
                    {result.events.map((e) => (
                      <li key={e} className="mono small">
                        {e}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          ) : (
            <>
              <h2>
                Image <span className="mono wrap">{result.image}</span>{' '}
                <span className="muted small">
                  in namespace {asked?.namespace}
                  {asked?.sa ? `, service account ${asked.sa}` : ''}
                </span>
              </h2>
              <ImageResult result={result} />
            </>
          )}
        </section>
      ) : null}
    </section>
  );
}
