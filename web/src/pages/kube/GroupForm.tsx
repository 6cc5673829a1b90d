/** A new connection group: name, upstream, and its mirrors in the order nodes try them. */
import { type FormEvent, useState } from 'react';
import { post } from '../../api.ts';
import { describeError } from '../../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../../components/FieldError.tsx';
import { useAction } from '../../components/use-action.ts';
import { messages, useT } from '../../i18n/index.ts';
import { KUBE_CONTEXT } from './KubeTabs.tsx';
import type { Connection } from './types.ts';

type Member = { connection_id: number; project?: string };

function MemberList(props: { members: Member[]; connections: Connection[]; onChange: (m: Member[]) => void }) {
  const t = useT(text);
  const name = (id: number) => props.connections.find((c) => c.id === id)?.name ?? `#${id}`;
  const move = (i: number, by: number) => {
    const next = [...props.members];
    const [m] = next.splice(i, 1);
    next.splice(i + by, 0, m);
    props.onChange(next);
  };
  return (
    <ol className="members">
      {props.members.map((m, i) => (
        <li key={`${m.connection_id}-${m.project ?? ''}`}>
          <span>
            <strong>{name(m.connection_id)}</strong>
            {m.project ? <span className="muted"> · {t('projectIs', { project: m.project })}</span> : null}
          </span>
          <span className="actions-row">
            <button type="button" className="link" aria-label={t('up')} disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button
              type="button"
              className="link"
              aria-label={t('down')}
              disabled={i === props.members.length - 1}
              onClick={() => move(i, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              className="link danger-text"
              aria-label={t('remove')}
              onClick={() => props.onChange(props.members.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}

export function GroupForm(props: { connections: Connection[]; onDone: () => void }) {
  const t = useT(text);
  const [name, setName] = useState('');
  const [upstream, setUpstream] = useState('docker.io');
  const [members, setMembers] = useState<Member[]>([]);
  const [pick, setPick] = useState<number | ''>(props.connections[0]?.id ?? '');
  const [project, setProject] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await action.run(() =>
      post('/kube/groups', { name: name.trim(), upstream: upstream.trim(), members }),
    );
    if (made) props.onDone();
  };
  return (
    <form className="panel kube-form" onSubmit={submit}>
      <h2>{t('title')}</h2>
      <label className="field">
        {t('name')}
        <input
          aria-label={t('groupName')}
          value={name}
          placeholder={t('nameHint')}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <FieldError error={action.error} field="name" />
      <label className="field">
        {t('upstream')}
        <input aria-label={t('upstream')} value={upstream} onChange={(e) => setUpstream(e.target.value)} />
      </label>
      <span className="hint">{t('upstreamHint')}</span>
      <FieldError error={action.error} field="upstream" />
      <fieldset className="choice">
        <legend>{t('mirrors')}</legend>
        <MemberList members={members} connections={props.connections} onChange={setMembers} />
        <div className="inline-form">
          <select aria-label={t('mirrorConnection')} value={pick} onChange={(e) => setPick(Number(e.target.value))}>
            {props.connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <input
            aria-label={t('proxyProject')}
            placeholder={t('proxyHint')}
            value={project}
            onChange={(e) => setProject(e.target.value)}
          />
          <button
            type="button"
            disabled={pick === ''}
            onClick={() => {
              setMembers([
                ...members,
                { connection_id: Number(pick), ...(project.trim() ? { project: project.trim() } : {}) },
              ]);
              setProject('');
            }}
          >
            {t('addMirror')}
          </button>
        </div>
      </fieldset>
      <FieldError error={action.error} field="members" />
      {action.error && !isFieldError(action.error, ['name', 'upstream', 'members']) ? (
        <p className="error">{describeError(action.error, KUBE_CONTEXT)}</p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy || !name.trim() || members.length === 0}>
          {t('create')}
        </button>
      </div>
    </form>
  );
}

const text = messages(
  {
    projectIs: 'project {project}',
    up: 'up',
    down: 'down',
    remove: 'remove',
    title: 'New connection group',
    name: 'Name',
    groupName: 'Group name',
    nameHint: 'e.g. dockerhub',
    upstream: 'Upstream',
    upstreamHint: 'The registry host images name (docker.io, ghcr.io); tried last.',
    mirrors: 'Mirrors, tried first to last',
    mirrorConnection: 'Mirror connection',
    proxyProject: 'Proxy project',
    proxyHint: 'proxy-cache project (optional)',
    addMirror: 'Add mirror',
    create: 'Create group',
  },
  {
    projectIs: '项目 {project}',
    up: '上移',
    down: '下移',
    remove: '移除',
    title: '新建连接分组',
    name: '名称',
    groupName: '分组名称',
    nameHint: '例如 dockerhub',
    upstream: '上游',
    upstreamHint: '镜像名中的仓库主机（docker.io、ghcr.io）；最后尝试。',
    mirrors: '镜像加速，按从前到后的顺序尝试',
    mirrorConnection: '加速连接',
    proxyProject: '代理项目',
    proxyHint: '代理缓存项目（可选）',
    addMirror: '添加加速',
    create: '创建分组',
  },
);
