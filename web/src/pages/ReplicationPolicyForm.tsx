/**
 * A new replication policy in Harbor's shape: direction (push from this
 * Berth, or pull into it), the remote registry, destination namespace,
 * name/tag/label filters, trigger, and the copy options.
 */
import { type FormEvent, useState } from 'react';
import { post } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { common } from '../i18n/common.ts';
import { useT } from '../i18n/index.ts';
import { replicationText } from './ReplicationPage.messages.ts';

interface Registry {
  id: number;
  name: string;
  url: string;
}

export function ReplicationPolicyForm(props: { onCreated: () => void }) {
  const t = useT(replicationText);
  const c = useT(common);
  const registries = useApi<Registry[]>('/registries?page_size=100');
  const save = useAction();
  const [name, setName] = useState('');
  const [direction, setDirection] = useState<'push' | 'pull'>('push');
  const [registry, setRegistry] = useState('');
  const [namespace, setNamespace] = useState('');
  const [repoFilter, setRepoFilter] = useState('**');
  const [tagFilter, setTagFilter] = useState('');
  const [labels, setLabels] = useState('');
  const [trigger, setTrigger] = useState('manual');
  const [cron, setCron] = useState('0 0 * * * *');
  const [override, setOverride] = useState(true);
  const [chunked, setChunked] = useState(false);
  const [deletion, setDeletion] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const remote = { id: Number(registry) };
    const labelNames = labels
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const done = await save.run(() =>
      post('/replication/policies', {
        name: name.trim(),
        ...(direction === 'push' ? { dest_registry: remote } : { src_registry: remote }),
        dest_namespace: namespace.trim(),
        filters: [
          { type: 'name', value: repoFilter.trim() },
          ...(tagFilter.trim() ? [{ type: 'tag', value: tagFilter.trim() }] : []),
          ...(labelNames.length ? [{ type: 'label', value: labelNames }] : []),
        ],
        trigger: { type: trigger, trigger_settings: { cron: trigger === 'scheduled' ? cron : '' } },
        override,
        copy_by_chunk: chunked,
        replicate_deletion: deletion,
        enabled: true,
      }).then(() => true),
    );
    if (done) {
      setName('');
      props.onCreated();
    }
  };

  return (
    <form className="robot-form" onSubmit={submit} aria-label={t('newPolicy')}>
      <input aria-label={c('name')} placeholder={c('name')} value={name} onChange={(e) => setName(e.target.value)} />
      <select
        aria-label={t('direction')}
        value={direction}
        onChange={(e) => setDirection(e.target.value as 'push' | 'pull')}
      >
        <option value="push">{t('push')}</option>
        <option value="pull">{t('pull')}</option>
      </select>
      <select aria-label={t('registry')} value={registry} onChange={(e) => setRegistry(e.target.value)}>
        <option value="">{t('chooseRegistry')}</option>
        {(registries.data ?? []).map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.url})
          </option>
        ))}
      </select>
      <input
        aria-label={t('destNamespace')}
        placeholder={t('destNamespace')}
        value={namespace}
        onChange={(e) => setNamespace(e.target.value)}
      />
      <input
        aria-label={t('nameFilter')}
        placeholder={t('nameFilter')}
        value={repoFilter}
        onChange={(e) => setRepoFilter(e.target.value)}
      />
      <input
        aria-label={t('tagFilter')}
        placeholder={t('tagFilter')}
        value={tagFilter}
        onChange={(e) => setTagFilter(e.target.value)}
      />
      <input
        aria-label={t('labelFilter')}
        placeholder={t('labelFilter')}
        value={labels}
        onChange={(e) => setLabels(e.target.value)}
      />
      <select aria-label={t('trigger')} value={trigger} onChange={(e) => setTrigger(e.target.value)}>
        <option value="manual">{t('manual')}</option>
        <option value="scheduled">{t('scheduled')}</option>
        <option value="event_based" disabled={direction === 'pull'}>
          {t('eventBased')}
        </option>
      </select>
      {trigger === 'scheduled' ? (
        <input aria-label={t('cron')} placeholder={t('cron')} value={cron} onChange={(e) => setCron(e.target.value)} />
      ) : null}
      <label className="check">
        <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
        {t('override')}
      </label>
      <label className="check">
        <input type="checkbox" checked={chunked} onChange={(e) => setChunked(e.target.checked)} />
        {t('copyByChunk')}
      </label>
      <label className="check">
        <input type="checkbox" checked={deletion} onChange={(e) => setDeletion(e.target.checked)} />
        {t('deletion')}
      </label>
      <button type="submit" disabled={save.busy || !name.trim() || !registry}>
        {t('newPolicy')}
      </button>
      <ErrorBox error={save.error} context={{ permission: t('permission'), feature: t('feature') }} />
      <ErrorBox error={registries.error} onRetry={registries.reload} />
    </form>
  );
}
