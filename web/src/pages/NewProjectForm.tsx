/**
 * Creating a project: hosted, a proxy cache of an upstream registry
 * (`registry_id`), or a group of other projects tried in order
 * (`group_members`, Berth's extension).
 */
import { useState } from 'react';
import { post } from '../api.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { FieldError, isFieldError } from '../components/FieldError.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { common } from '../i18n/common.ts';
import { messages, useT } from '../i18n/index.ts';
import type { UpstreamRegistry } from './RegistriesPage.tsx';

const catalog = messages(
  {
    membersPlaceholder: 'hosted, dockerhub-proxy',
    title: 'New project',
    name: 'Name',
    public: 'Public (anyone may pull)',
    kind: 'Kind',
    hosted: 'Hosted (push and pull)',
    proxy: 'Proxy cache of a registry',
    group: 'Group of projects',
    upstream: 'Upstream registry',
    choose: 'choose…',
    members: 'Members, in priority order (comma separated)',
    proxyNotice: 'Proxy cache of registry #{id}: pushes are refused.',
    groupTitle: 'Group: {members}',
    pulled: 'Pulled',
    answeredBy: 'Answered by',
    when: 'When',
    noPulls: 'No pulls since the server started.',
  },
  {
    membersPlaceholder: 'hosted, dockerhub-proxy',
    title: '新建项目',
    name: '名称',
    public: '公开（任何人都可以拉取）',
    kind: '类型',
    hosted: '托管（推送和拉取）',
    proxy: '镜像仓库的代理缓存',
    group: '项目组',
    upstream: '上游仓库',
    choose: '请选择…',
    members: '成员，按优先级排列（逗号分隔）',
    proxyNotice: '仓库 #{id} 的代理缓存：不接受推送。',
    groupTitle: '项目组：{members}',
    pulled: '拉取内容',
    answeredBy: '响应成员',
    when: '时间',
    noPulls: '服务器启动以来没有拉取。',
  },
);

type Kind = 'hosted' | 'proxy' | 'group';

export function NewProjectForm(props: { onDone: () => void }) {
  const t = useT(catalog);
  const c = useT(common);
  const [name, setName] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [kind, setKind] = useState<Kind>('hosted');
  const [registryId, setRegistryId] = useState('');
  const [members, setMembers] = useState('');
  const registries = useApi<UpstreamRegistry[]>(kind === 'proxy' ? '/registries?page_size=100' : null);
  const save = useAction();
  const submit = async () => {
    const body: Record<string, unknown> = { project_name: name, metadata: { public: String(isPublic) } };
    if (kind === 'proxy') body.registry_id = Number(registryId);
    if (kind === 'group')
      body.group_members = members
        .split(/[\s,]+/)
        .map((m) => m.trim())
        .filter(Boolean);
    if ((await save.run(() => post('/projects', body))) !== undefined) props.onDone();
  };
  return (
    <form
      className="panel form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2>{t('title')}</h2>
      <label>
        {t('name')} <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="check">
        <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} /> {t('public')}
      </label>
      <fieldset>
        <legend>{t('kind')}</legend>
        {(['hosted', 'proxy', 'group'] as const).map((k) => (
          <label key={k} className="check">
            <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} /> {t(k)}
          </label>
        ))}
      </fieldset>
      {kind === 'proxy' ? (
        <label>
          {t('upstream')}
          <select value={registryId} onChange={(e) => setRegistryId(e.target.value)} required>
            <option value="">{t('choose')}</option>
            {(registries.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.url})
              </option>
            ))}
          </select>
          <FieldError error={save.error} field="registry_id" />
        </label>
      ) : null}
      {kind === 'group' ? (
        <label>
          {t('members')}
          <input value={members} placeholder={t('membersPlaceholder')} onChange={(e) => setMembers(e.target.value)} />
          <FieldError error={save.error} field="group_members" />
        </label>
      ) : null}
      {isFieldError(save.error, ['registry_id', 'group_members']) ? null : <ErrorBox error={save.error} />}
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          {c('create')}
        </button>
        <button type="button" onClick={props.onDone}>
          {c('cancel')}
        </button>
      </div>
    </form>
  );
}

interface GroupPull {
  repository: string;
  reference: string;
  member: string;
  digest: string;
  at: string;
}

/** For a group project: which member answered its recent pulls. */
export function GroupPulls(props: { project: string }) {
  const t = useT(catalog);
  const project = useApi<{ group_members?: string[]; registry_id?: number }>(
    `/projects/${encodeURIComponent(props.project)}`,
  );
  const members = project.data?.group_members;
  const pulls = useApi<GroupPull[]>(members ? `/projects/${encodeURIComponent(props.project)}/group_pulls` : null);
  if (project.data?.registry_id) return <p className="notice">{t('proxyNotice', { id: project.data.registry_id })}</p>;
  if (!members) return null;
  return (
    <div className="panel">
      <h2>{t('groupTitle', { members: members.join(' → ') })}</h2>
      <table>
        <thead>
          <tr>
            <th>{t('pulled')}</th>
            <th>{t('answeredBy')}</th>
            <th className="hide-narrow">{t('when')}</th>
          </tr>
        </thead>
        <tbody>
          {(pulls.data ?? []).slice(0, 10).map((p) => (
            <tr key={`${p.at}${p.repository}${p.reference}`}>
              <td>
                <code>
                  {p.repository}:{p.reference}
                </code>
              </td>
              <td>{p.member}</td>
              <td className="hide-narrow">{p.at}</td>
            </tr>
          ))}
          {pulls.data?.length === 0 ? (
            <tr>
              <td colSpan={3}>{t('noPulls')}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
