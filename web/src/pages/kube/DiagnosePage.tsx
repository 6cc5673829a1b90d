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
import { messages, useT } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Cluster, ImageDiagnosis, PodDiagnosis } from './types.ts';

function ImageResult(props: { result: ImageDiagnosis }) {
  const t = useT(text);
  const fix = useT(fixes);
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
        <strong>{t('fix')}</strong>
        {r.code in fixes.en ? fix(r.code as keyof (typeof fixes)['en']) : t('seeAbove')}
      </p>
      {r.suggestion ? (
        <p className="suggestion">
          {t('suggested')} <code>{r.suggestion}</code> <CopyButton text={r.suggestion} />
        </p>
      ) : null}
      <p className="muted small">
        {r.secrets_tried.length ? t('secretsTried', { secrets: r.secrets_tried.join(', ') }) : t('noSecret')}
        {r.kubelet_reason ? ` · kubelet: ${r.kubelet_reason}` : ''}
      </p>
    </div>
  );
}

const FIELDS = ['cluster_id', 'namespace', 'pod', 'image', 'service_account'];

export function DiagnosePage() {
  const t = useT(text);
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
          {t('noClusters')} <Link to="/kube/clusters">{t('registerOne')}</Link>
        </p>
      ) : null}
      <form className="panel kube-form" onSubmit={submit}>
        <fieldset className="segmented" aria-label={t('diagnoseWhat')}>
          <button type="button" className={mode === 'pod' ? 'active' : undefined} onClick={() => setMode('pod')}>
            {t('aPod')}
          </button>
          <button type="button" className={mode === 'image' ? 'active' : undefined} onClick={() => setMode('image')}>
            {t('anImage')}
          </button>
        </fieldset>
        <label className="field">
          {t('cluster')}
          <select
            aria-label={t('cluster')}
            value={cluster ?? ''}
            onChange={(e) => setClusterId(Number(e.target.value))}
          >
            {(clusters.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('namespace')}
          <input aria-label={t('namespace')} value={namespace} onChange={(e) => setNamespace(e.target.value)} />
        </label>
        <FieldError error={action.error} field="namespace" />
        <label className="field">
          {mode === 'pod' ? t('pod') : t('image')}
          <input
            aria-label={mode === 'pod' ? t('pod') : t('image')}
            value={target}
            placeholder={mode === 'pod' ? t('podHint') : t('imageHint')}
            onChange={(e) => setTarget(e.target.value)}
          />
        </label>
        <FieldError error={action.error} field={['pod', 'image']} />
        {mode === 'image' ? (
          <label className="field">
            {t('saOptional')}
            <input
              aria-label={t('sa')}
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
            {action.busy ? t('diagnosing') : t('diagnose')}
          </button>
        </div>
      </form>
      {result ? (
        <section className="panel" aria-label={t('diagnosis')}>
          {'images' in result ? (
            <>
              <h2>
                {t('podTitle', { pod: `${result.namespace}/${result.pod}` })}{' '}
                <span className="muted small">{t('saIs', { sa: result.service_account })}</span>
              </h2>
              {result.images.map((i) => (
                <ImageResult key={`${i.container}-${i.image}`} result={i} />
              ))}
              {result.events.length ? (
                <>
                  <h3>{t('events')}</h3>
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
                {t('imageTitle')} <span className="mono wrap">{result.image}</span>{' '}
                <span className="muted small">
                  {asked?.sa
                    ? t('inNamespaceSa', { namespace: asked.namespace, sa: asked.sa })
                    : t('inNamespace', { namespace: asked?.namespace ?? '' })}
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

const text = messages(
  {
    fix: 'Fix: ',
    seeAbove: 'See the message above.',
    suggested: 'Suggested:',
    secretsTried: 'secrets tried: {secrets}',
    noSecret: 'no pull secret applied',
    noClusters: 'No clusters yet:',
    registerOne: 'register one to diagnose its pulls.',
    diagnoseWhat: 'diagnose',
    aPod: 'A pod',
    anImage: 'An image',
    cluster: 'Cluster',
    namespace: 'Namespace',
    pod: 'Pod',
    image: 'Image',
    podHint: 'e.g. web-7d4b9c-x2x5q',
    imageHint: 'e.g. reg.example.com/team/app:1.0',
    saOptional: 'Service account (optional)',
    sa: 'Service account',
    diagnosing: 'Diagnosing…',
    diagnose: 'Diagnose',
    diagnosis: 'diagnosis',
    podTitle: 'Pod {pod}',
    saIs: 'service account {sa}',
    events: 'Events',
    imageTitle: 'Image',
    inNamespace: 'in namespace {namespace}',
    inNamespaceSa: 'in namespace {namespace}, service account {sa}',
  },
  {
    fix: '解决办法：',
    seeAbove: '请参阅上方信息。',
    suggested: '建议：',
    secretsTried: '已尝试的密钥：{secrets}',
    noSecret: '未使用任何拉取密钥',
    noClusters: '尚无集群：',
    registerOne: '注册一个集群即可诊断其拉取问题。',
    diagnoseWhat: '诊断对象',
    aPod: 'Pod',
    anImage: '镜像',
    cluster: '集群',
    namespace: '命名空间',
    pod: 'Pod',
    image: '镜像',
    podHint: '例如 web-7d4b9c-x2x5q',
    imageHint: '例如 reg.example.com/team/app:1.0',
    saOptional: '服务账户（可选）',
    sa: '服务账户',
    diagnosing: '正在诊断…',
    diagnose: '诊断',
    diagnosis: '诊断结果',
    podTitle: 'Pod {pod}',
    saIs: '服务账户 {sa}',
    events: '事件',
    imageTitle: '镜像',
    inNamespace: '位于命名空间 {namespace}',
    inNamespaceSa: '位于命名空间 {namespace}，服务账户 {sa}',
  },
);

/** What to do, by diagnosis code (the server's message says what it found). */
const fixes = messages(
  {
    PULLABLE: 'Nothing to fix in the registry: if the pod still fails, read its events.',
    INVALID_IMAGE_REFERENCE:
      'Correct the image reference in the pod spec (lower-case repository, valid tag or digest).',
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
  },
  {
    PULLABLE: '镜像仓库这边无需修复：如果 Pod 仍然失败，请查看它的事件。',
    INVALID_IMAGE_REFERENCE: '请更正 Pod 规约中的镜像引用（仓库名小写，标签或摘要有效）。',
    REGISTRY_UNREACHABLE: '请检查节点与镜像仓库地址之间的 DNS、防火墙和 TLS。',
    NO_PULL_SECRET:
      '请将该仓库连接的拉取密钥放置到此命名空间（仓库连接 → 某个连接 → 添加放置），并在 Pod 或其服务账户中引用它。',
    SECRET_NOT_REFERENCED:
      '密钥已存在但未被使用：请将其加入 Pod 的 imagePullSecrets 或其服务账户（带服务账户的放置会自动完成）。',
    WRONG_CREDENTIALS: '请更新连接的密码（或刷新其机器人账户的密钥），然后同步放置。',
    ACCESS_DENIED: '请授予该账户对仓库所在项目的拉取权限（例如使用该项目的机器人账户）。',
    WRONG_CASE: '仓库名称须为小写：请使用建议的仓库名。',
    REPOSITORY_NOT_FOUND: '请先推送镜像，或更正仓库名称。',
    MANIFEST_NOT_FOUND: '请推送该标签或摘要，或使用仓库中已有的标签或摘要。',
  },
);
