/** The container snippet: imagePullSecrets plus the chosen imagePullPolicy, each policy explained in one line. */
import { useState } from 'react';
import { query } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { fieldMessage } from '../../components/FieldError.tsx';
import { useApi } from '../../components/use-api.ts';
import type { Connection } from './types.ts';

export function SnippetPanel(props: { connection: Connection }) {
  const host = (() => {
    try {
      return new URL(props.connection.address).host;
    } catch {
      return 'registry.example.com';
    }
  })();
  const [image, setImage] = useState(`${host}/team/app:1.0`);
  const [policy, setPolicy] = useState('IfNotPresent');
  const policies = useApi<{ name: string; description: string }[]>('/kube/pullpolicies');
  const snippet = useApi<string>(
    `/kube/connections/${props.connection.id}/snippet${query({ image, policy, name: `${props.connection.name}-pull` })}`,
    { text: true },
  );
  return (
    <div className="panel">
      <h2>Container snippet</h2>
      <label className="field">
        Image
        <input aria-label="Image" value={image} onChange={(e) => setImage(e.target.value)} />
      </label>
      <fieldset className="policies">
        <legend>imagePullPolicy</legend>
        {(policies.data ?? []).map((p) => (
          <label key={p.name} className="policy">
            <input type="radio" name="policy" checked={policy === p.name} onChange={() => setPolicy(p.name)} />
            <span>
              <code>{p.name}</code> <span className="muted small">{p.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {snippet.error ? <p className="error">{fieldMessage(snippet.error)}</p> : null}
      {snippet.data && !snippet.error ? <CodeBlock title="pod spec (containers)" text={snippet.data} /> : null}
    </div>
  );
}
