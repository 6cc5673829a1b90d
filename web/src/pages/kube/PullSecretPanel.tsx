/** The pull secret as kubectl would print it (YAML or JSON), for a namespace and secret name of one's choice. */
import { useState } from 'react';
import { query } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { fieldMessage } from '../../components/FieldError.tsx';
import { useApi } from '../../components/use-api.ts';
import { messages, useT } from '../../i18n/index.ts';
import type { Connection } from './types.ts';

export function PullSecretPanel(props: { connection: Connection }) {
  const t = useT(text);
  const [namespace, setNamespace] = useState('default');
  const [name, setName] = useState(`${props.connection.name}-pull`);
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const secret = useApi<string>(
    `/kube/connections/${props.connection.id}/pullsecret${query({ namespace, name, format })}`,
    { text: true },
  );
  // The block is labelled with what it holds: while another format or name loads, the last answer stays
  // on screen under its own file name and copy label (not YAML under "Copy JSON").
  const shown = new URLSearchParams(secret.dataPath?.split('?')[1] ?? '');
  const shownFormat = shown.get('format') ?? format;
  return (
    <div className="panel">
      <h2>{t('title')}</h2>
      <p className="muted small">
        {t('exactly')} <code>kubectl create secret docker-registry … --dry-run=client -o {format}</code> {t('prints')}{' '}
        <code>kubectl apply -f secret.{format}</code>
        {t('orPlace')}
      </p>
      <div className="inline-form">
        <label className="field">
          {t('namespace')}
          <input aria-label={t('namespace')} value={namespace} onChange={(e) => setNamespace(e.target.value)} />
        </label>
        <label className="field">
          {t('secretName')}
          <input aria-label={t('secretName')} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset className="segmented" aria-label={t('format')}>
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
        <CodeBlock
          title={`${shown.get('name') ?? name}.${shownFormat}`}
          text={secret.data}
          copyLabel={t('copy', { format: shownFormat.toUpperCase() })}
        />
      ) : null}
    </div>
  );
}

const text = messages(
  {
    title: 'Pull secret',
    exactly: 'Exactly what',
    prints: 'prints. Apply it with',
    orPlace: ', or let Berth place it (below).',
    namespace: 'Namespace',
    secretName: 'Secret name',
    format: 'format',
    copy: 'Copy {format}',
  },
  {
    title: '拉取密钥',
    exactly: '与',
    prints: '的输出完全一致。可用',
    orPlace: '应用，或让 Berth 放置它（见下方）。',
    namespace: '命名空间',
    secretName: '密钥名称',
    format: '格式',
    copy: '复制 {format}',
  },
);
