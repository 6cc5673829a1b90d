/** What is inside an artifact: platforms, layers with the commands that made them, config, labels, referrers. */
import { bytes, dateTime, platform, shortDigest } from '../format.ts';
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
  const entries = Object.entries(props.values ?? {});
  return (
    <div className="panel">
      <h2>{props.title}</h2>
      {entries.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <dl className="kv">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

export function ArtifactInternals(props: { artifact: Artifact; repository: string }) {
  const a = props.artifact;
  const layers = a.layers ?? [];
  const steps = buildSteps(a.history ?? [], layers);
  const layerTotal = layers.reduce((n, l) => n + l.size, 0);
  const config = a.extra_attrs?.config;
  return (
    <>
      {a.references.length > 0 ? (
        <div className="panel">
          <h2>Platforms</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Platform</th>
                  <th>Manifest</th>
                  <th>Size</th>
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
            Layers{' '}
            <span className="muted small">
              ({layers.length}, {bytes(layerTotal)})
            </span>
          </h2>
          <ol className="layers">
            {steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: build steps are a fixed, ordered list; commands repeat
              <li key={`${i}-${s.layer?.digest ?? 'empty'}`} className={s.layer ? 'layer' : 'layer empty'}>
                <code className="command">{s.history.created_by ?? (s.layer ? '(no history recorded)' : '')}</code>
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
                    <span className="muted small">no layer</span>
                  )}
                </span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {config && (config.Cmd || config.Entrypoint || config.Env || config.WorkingDir || config.User) ? (
        <div className="panel">
          <h2>Run configuration</h2>
          <dl className="kv">
            {config.Entrypoint ? <KV k="Entrypoint" v={JSON.stringify(config.Entrypoint)} /> : null}
            {config.Cmd ? <KV k="Cmd" v={JSON.stringify(config.Cmd)} /> : null}
            {config.WorkingDir ? <KV k="Working dir" v={config.WorkingDir} /> : null}
            {config.User ? <KV k="User" v={config.User} /> : null}
            {config.ExposedPorts ? <KV k="Ports" v={Object.keys(config.ExposedPorts).join(', ')} /> : null}
            {(config.Env ?? []).map((e) => (
              <KV key={e} k="Env" v={e} />
            ))}
          </dl>
        </div>
      ) : null}
      <div className="two-col">
        <KeyValues title="Labels" values={config?.Labels} />
        <KeyValues title="Annotations" values={a.annotations} />
      </div>
      <div className="panel">
        <h2>
          Referrers <span className="muted small">(signatures, SBOMs and other artifacts about this one)</span>
        </h2>
        {(a.accessories ?? []).length === 0 ? (
          <p className="muted">Nothing refers to this artifact.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Kind</th>
                  <th>Artifact type</th>
                  <th>Digest</th>
                  <th>Size</th>
                  <th>Verification</th>
                  <th className="hide-narrow">Pushed</th>
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
                    <td className="small">{verification(r)}</td>
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
function verification(r: Accessory) {
  if (!r.signature) return <span className="muted">—</span>;
  if (r.signed)
    return (
      <span className="ok-text" style={{ color: 'var(--ok, #1a7f37)' }}>
        ✔ signed by {r.signature.key}
      </span>
    );
  return (
    <span className="danger-text" title={r.signature.errors.join('\n')}>
      ✘ {r.signature.errors[0] ?? 'not verified'}
    </span>
  );
}

function KV(props: { k: string; v: string }) {
  return (
    <div>
      <dt>{props.k}</dt>
      <dd className="mono">{props.v}</dd>
    </div>
  );
}
