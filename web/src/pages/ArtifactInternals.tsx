/** What is inside an artifact: platforms, layers with the commands that made them, config, labels, referrers. */
import { bytes, dateTime, platform, shortDigest } from '../format.ts';
import { messages, type Translate, useT } from '../i18n/index.ts';
import { artifactRoute } from '../links.ts';
import { Link } from '../router.tsx';
import type { Accessory, Artifact, HistoryEntry, Layer } from '../types.ts';

/** Pairs each history step with the layer it produced (steps marked empty_layer produce none). */
function buildSteps(history: HistoryEntry[], layers: Layer[]) {
  let next = 0;
  const steps = history.map((h) => ({ history: h, layer: h.empty_layer ? null : (layers[next++] ?? null) }));
  // Layers without history (an image built without it) still deserve a row.
  for (; next < layers.length; next++) steps.push({ history: {}, layer: layers[next] });
  return steps;
}

function shortMediaType(type: string): string {
  return type
    .replace(/^application\/vnd\.(oci\.image|docker\.image\.rootfs|docker)\./, '')
    .replace(/^layer\.v1\./, 'layer ');
}

function KeyValues(props: { title: string; values: Record<string, string> | undefined }) {
  const t = useT(text);
  const entries = Object.entries(props.values ?? {});
  return (
    <div className="panel">
      <h2>{props.title}</h2>
      {entries.length === 0 ? (
        <p className="muted">{t('none')}</p>
      ) : (
        <dl className="kv">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt className="label-key">
                <BreakableKey text={k} />
              </dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

export function ArtifactInternals(props: { artifact: Artifact; repository: string }) {
  const t = useT(text);
  const a = props.artifact;
  const layers = a.layers ?? [];
  const steps = buildSteps(a.history ?? [], layers);
  const layerTotal = layers.reduce((n, l) => n + l.size, 0);
  const config = a.extra_attrs?.config;
  return (
    <>
      {a.references.length > 0 ? (
        <div className="panel">
          <h2>{t('platforms')}</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('platform')}</th>
                  <th>{t('manifest')}</th>
                  <th>{t('size')}</th>
                </tr>
              </thead>
              <tbody>
                {a.references.map((r) => (
                  <tr key={r.child_digest}>
                    <td>{platform(r.platform)}</td>
                    <td>
                      <Link to={artifactRoute(props.repository, r.child_digest)} className="mono">
                        {shortDigest(r.child_digest)}
                      </Link>
                    </td>
                    <td>{bytes(r.size)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      {layers.length > 0 ? (
        <div className="panel">
          <h2>
            {t('layers')}{' '}
            <span className="muted small">
              ({layers.length}, {bytes(layerTotal)})
            </span>
          </h2>
          <ol className="layers">
            {steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: build steps are a fixed, ordered list; commands repeat
              <li key={`${i}-${s.layer?.digest ?? 'empty'}`} className={s.layer ? 'layer' : 'layer empty'}>
                <code className="command">{s.history.created_by ?? (s.layer ? t('noHistory') : '')}</code>
                <span className="layer-meta">
                  {s.layer ? (
                    <>
                      <strong>{bytes(s.layer.size)}</strong>{' '}
                      <span className="muted mono" title={s.layer.digest}>
                        {shortDigest(s.layer.digest)}
                      </span>{' '}
                      <span className="muted small">{shortMediaType(s.layer.media_type)}</span>
                    </>
                  ) : (
                    <span className="muted small">{t('noLayer')}</span>
                  )}
                </span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {config && (config.Cmd || config.Entrypoint || config.Env || config.WorkingDir || config.User) ? (
        <div className="panel">
          <h2>{t('runConfig')}</h2>
          <dl className="kv">
            {config.Entrypoint ? <KV k="Entrypoint" v={JSON.stringify(config.Entrypoint)} /> : null}
            {config.Cmd ? <KV k="Cmd" v={JSON.stringify(config.Cmd)} /> : null}
            {config.WorkingDir ? <KV k={t('workingDir')} v={config.WorkingDir} /> : null}
            {config.User ? <KV k={t('user')} v={config.User} /> : null}
            {config.ExposedPorts ? <KV k={t('ports')} v={Object.keys(config.ExposedPorts).join(', ')} /> : null}
            {(config.Env ?? []).map((e) => (
              <KV key={e} k="Env" v={e} />
            ))}
          </dl>
        </div>
      ) : null}
      <div className="two-col">
        <KeyValues title={t('labels')} values={config?.Labels} />
        <KeyValues title={t('annotations')} values={a.annotations} />
      </div>
      <div className="panel">
        <h2>
          {t('referrers')} <span className="muted small">{t('referrersHint')}</span>
        </h2>
        {(a.accessories ?? []).length === 0 ? (
          <p className="muted">{t('noReferrers')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('kind')}</th>
                  <th>{t('artifactType')}</th>
                  <th>{t('digest')}</th>
                  <th>{t('size')}</th>
                  <th>{t('verification')}</th>
                  <th className="hide-narrow">{t('pushed')}</th>
                </tr>
              </thead>
              <tbody>
                {(a.accessories ?? []).map((r) => (
                  <tr key={r.digest}>
                    <td>
                      <span className={`badge ${r.type.replace(/\s/g, '-')}`}>{r.type}</span>
                    </td>
                    <td className="small">{r.artifact_type ?? r.media_type}</td>
                    <td>
                      <Link to={artifactRoute(props.repository, r.digest)} className="mono">
                        {shortDigest(r.digest)}
                      </Link>
                    </td>
                    <td>{bytes(r.size)}</td>
                    <td className="small">{verification(r, t)}</td>
                    <td className="hide-narrow">{dateTime(r.creation_time)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </>
  );
}

/** A signature's verification in a few words: by which trusted key, or why not. */
function verification(r: Accessory, t: Translate<keyof (typeof text)['en']>) {
  if (!r.signature) return <span className="muted">—</span>;
  if (r.signed)
    return (
      <span className="ok-text" style={{ color: 'var(--ok, #1a7f37)' }}>
        {t('signedBy', { key: r.signature.key ?? '' })}
      </span>
    );
  return (
    <span className="danger-text" title={r.signature.errors.join('\n')}>
      ✘ {r.signature.errors[0] ?? t('notVerified')}
    </span>
  );
}

/** A label key that may wrap after its dots and slashes, never in the middle of a word. */
function BreakableKey(props: { text: string }) {
  const parts = props.text.split(/(?<=[./])/);
  return (
    <>
      {parts.map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order
        <span key={i}>
          {part}
          {i < parts.length - 1 ? <wbr /> : null}
        </span>
      ))}
    </>
  );
}

function KV(props: { k: string; v: string }) {
  return (
    <div>
      <dt className="label-key">
        <BreakableKey text={props.k} />
      </dt>
      <dd className="mono">{props.v}</dd>
    </div>
  );
}

const text = messages(
  {
    none: 'None.',
    platforms: 'Platforms',
    platform: 'Platform',
    manifest: 'Manifest',
    size: 'Size',
    layers: 'Layers',
    noHistory: '(no history recorded)',
    noLayer: 'no layer',
    runConfig: 'Run configuration',
    workingDir: 'Working dir',
    user: 'User',
    ports: 'Ports',
    labels: 'Labels',
    annotations: 'Annotations',
    referrers: 'Referrers',
    referrersHint: '(signatures, SBOMs and other artifacts about this one)',
    noReferrers: 'Nothing refers to this artifact.',
    kind: 'Kind',
    artifactType: 'Artifact type',
    digest: 'Digest',
    verification: 'Verification',
    pushed: 'Pushed',
    signedBy: '✔ signed by {key}',
    notVerified: 'not verified',
  },
  {
    none: '无。',
    platforms: '平台',
    platform: '平台',
    manifest: '清单',
    size: '大小',
    layers: '层',
    noHistory: '（未记录构建历史）',
    noLayer: '无层',
    runConfig: '运行配置',
    workingDir: '工作目录',
    user: '用户',
    ports: '端口',
    labels: '标签（Labels）',
    annotations: '注解',
    referrers: '引用者',
    referrersHint: '（关于此制品的签名、SBOM 及其他制品）',
    noReferrers: '没有引用此制品的内容。',
    kind: '种类',
    artifactType: '制品类型',
    digest: '摘要',
    verification: '验证',
    pushed: '推送时间',
    signedBy: '✔ 已由 {key} 签名',
    notVerified: '未验证',
  },
);
