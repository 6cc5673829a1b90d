/** A project's signing settings: Harbor's content-trust switches (the pull gate) and its trusted keys. */
import { type FormEvent, useState } from 'react';
import { del, post, put } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { describeError, ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useApi } from '../components/use-api.ts';
import { dateTime } from '../format.ts';

interface TrustedKey {
  id: number;
  name: string;
  kind: 'public_key' | 'certificate';
  algorithm: string;
  fingerprint: string;
  creation_time: string;
}

interface ProjectView {
  metadata: Record<string, string>;
}

const SWITCHES = [
  { key: 'enable_content_trust_cosign', label: 'Require a cosign signature from a trusted key' },
  { key: 'enable_content_trust', label: 'Require a notation signature from a trusted certificate' },
];

export function SigningPage(props: { project: string }) {
  const base = `/projects/${encodeURIComponent(props.project)}`;
  const project = useApi<ProjectView>(base);
  const keys = useApi<TrustedKey[]>(`${base}/trusted-keys`);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'public_key' | 'certificate'>('public_key');
  const [pem, setPem] = useState('');
  const [error, setError] = useState<string | null>(null);
  /** Switches as just clicked, shown until the project is read back (or the change fails). */
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const permission = `change the signing settings of project ${props.project}`;

  const run = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      project.reload();
      keys.reload();
    } catch (err) {
      setError(describeError(err, { permission }));
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await post(`${base}/trusted-keys`, { name: name.trim(), [kind]: pem });
      setName('');
      setPem('');
    });
  };
  return (
    <section>
      <ProjectTabs project={props.project} current="signing" />
      <ErrorBox
        error={project.error ?? keys.error}
        onRetry={keys.reload}
        context={{ permission, feature: 'signing' }}
      />
      {project.data ? (
        <div className="panel">
          <h2>Pull gate</h2>
          <p className="muted small">
            With a switch on, a client's pull of an image without a valid signature is refused (412) with the reason.
          </p>
          {SWITCHES.map((s) => (
            <label key={s.key} className="check">
              <input
                type="checkbox"
                checked={pending[s.key] ?? project.data?.metadata[s.key] === 'true'}
                onChange={(e) => {
                  const on = e.target.checked;
                  setPending((p) => ({ ...p, [s.key]: on }));
                  // The switch keeps its new state once saved (the reload reads the same value back);
                  // a refused change puts it back.
                  void put(base, { metadata: { [s.key]: String(on) } }).then(
                    () => run(async () => {}),
                    (err) => {
                      setPending(({ [s.key]: _, ...rest }) => rest);
                      setError(describeError(err, { permission }));
                    },
                  );
                }}
              />{' '}
              {s.label}
            </label>
          ))}
        </div>
      ) : null}
      <div className="panel">
        <h2>Trusted keys and certificates</h2>
        <form className="stack-form" onSubmit={add}>
          <input aria-label="key name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
          <select aria-label="kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="public_key">Public key (cosign)</option>
            <option value="certificate">Certificate (notation CA or leaf)</option>
          </select>
          <textarea
            aria-label="PEM"
            rows={6}
            placeholder="-----BEGIN PUBLIC KEY-----"
            value={pem}
            onChange={(e) => setPem(e.target.value)}
          />
          <button type="submit" disabled={!name.trim() || !pem.trim()}>
            Add key
          </button>
        </form>
        {error ? <p className="error">{error}</p> : null}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Algorithm</th>
                <th>Fingerprint</th>
                <th className="hide-narrow">Added</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.kind === 'certificate' ? 'certificate' : 'public key'}</td>
                  <td>{k.algorithm}</td>
                  <td className="mono small">{k.fingerprint}</td>
                  <td className="hide-narrow">{dateTime(k.creation_time)}</td>
                  <td className="right">
                    <button
                      type="button"
                      className="link danger-text"
                      onClick={() =>
                        window.confirm(`Stop trusting ${k.name}?`) && run(() => del(`${base}/trusted-keys/${k.id}`))
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
              {keys.data && keys.data.length === 0 ? <EmptyRow columns={6}>No trusted keys yet.</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
