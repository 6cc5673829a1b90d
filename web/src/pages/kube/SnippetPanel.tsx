/** The container snippet: imagePullSecrets plus the chosen imagePullPolicy, each policy explained in one line. */
import { useState } from 'react';
import { query } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { fieldMessage } from '../../components/FieldError.tsx';
import { useApi } from '../../components/use-api.ts';
import { messages, useT } from '../../i18n/index.ts';
import type { Connection } from './types.ts';

/** Kubernetes' default: Always for `:latest` or untagged (no digest), IfNotPresent otherwise. */
function defaultPullPolicy(image: string): string {
  const [name = '', digest] = image.trim().split('@');
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  if (tag === undefined) return digest ? 'IfNotPresent' : 'Always';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function SnippetPanel(props: { connection: Connection }) {
  const t = useT(text);
  const host = (() => {
    try {
      // A host-only address (as kubectl accepts) means HTTPS.
      const a = props.connection.address;
      return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(a) ? a : `https://${a}`).host;
    } catch {
      return 'registry.example.com';
    }
  })();
  const [image, setImage] = useState(`${host}/team/app:1.0`);
  // Until one is picked, the policy Kubernetes would default to for this image.
  const [chosen, setPolicy] = useState<string | null>(null);
  const policy = chosen ?? defaultPullPolicy(image);
  const policies = useApi<{ name: string; description: string }[]>('/kube/pullpolicies');
  const snippet = useApi<string>(
    `/kube/connections/${props.connection.id}/snippet${query({ image, policy, name: `${props.connection.name}-pull` })}`,
    { text: true },
  );
  return (
    <div className="panel">
      <h2>{t('title')}</h2>
      <label className="field">
        {t('image')}
        <input aria-label={t('image')} value={image} onChange={(e) => setImage(e.target.value)} />
      </label>
      <fieldset className="policies">
        <legend>
          <code>imagePullPolicy</code>
        </legend>
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
      {snippet.data && !snippet.error ? <CodeBlock title={t('podSpec')} text={snippet.data} /> : null}
    </div>
  );
}

const text = messages(
  { title: 'Container snippet', image: 'Image', podSpec: 'pod spec (containers)' },
  { title: '容器片段', image: '镜像', podSpec: 'Pod 规约（containers）' },
);
