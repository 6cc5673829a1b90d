/** The pull secret as kubectl would print it (YAML or JSON), for a namespace and secret name of one's choice. */
import { useState } from 'react';
import { query } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { fieldMessage } from '../../components/FieldError.tsx';
import { useApi } from '../../components/use-api.ts';
import type { Connection } from './types.ts';

export function PullSecretPanel(props: { connection: Connection }) {
  const [namespace, setNamespace] = useState('default');
  const [name, setName] = useState(`${props.connection.name}-pull`);
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const secret = useApi<string>(
    `/kube/connections/${props.connection.id}/pullsecret${query({ namespace, name, format })}`,
    { text: true },
  );
  return (
    <div className="panel">
      <h2>Pull secret</h2>
      <p className="muted small">
        Exactly what <code>kubectl create secret docker-registry … --dry-run=client -o {format}</code> prints. Apply it
        with <code>kubectl apply -f secret.{format}</code>, or let Berth place it (below).
      </p>
      <div className="inline-form">
        <label className="field">
          Namespace
          <input aria-label="Namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} />
        </label>
        <label className="field">
          Secret name
          <input aria-label="Secret name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset className="segmented" aria-label="format">
          {(['yaml', 'json'] as const).map((f) => (
            <button
              key={f}
              type="button"
              className={f === format ? 'active' : undefined}
              aria-pressed={f === format}
              onClick={() => setFormat(f)}
            >
              {f.toUpperCase()}
            </button>
          ))}
        </fieldset>
      </div>
      {secret.error ? <p className="error">{fieldMessage(secret.error)}</p> : null}
      {secret.data && !secret.error ? (
        <CodeBlock title={`${name}.${format}`} text={secret.data} copyLabel={`Copy ${format.toUpperCase()}`} />
      ) : null}
    </div>
  );
}
