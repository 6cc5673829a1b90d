/** Members of a project and their roles (Harbor's /projects/{p}/members). */
import { type FormEvent, useState } from 'react';
import { del, post, put, query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { useAction } from '../components/use-action.ts';
import { useApi } from '../components/use-api.ts';
import { useConfirm } from '../components/use-confirm.tsx';
import { messages, useT } from '../i18n/index.ts';

const catalog = messages(
  {
    role1: 'Project admin',
    hint1: 'everything, including members and settings',
    role4: 'Maintainer',
    hint4: 'push, delete, robots',
    role2: 'Developer',
    hint2: 'push and pull',
    role3: 'Guest',
    hint3: 'pull',
    role5: 'Limited guest',
    hint5: 'pull only, no member list',
    username: 'username',
    role: 'role',
    addMember: 'Add member',
    filter: 'Filter by name',
    filterLabel: 'filter members',
    member: 'Member',
    roleHeader: 'Role',
    group: '(group)',
    roleOf: 'role of {name}',
    removeTitle: 'Remove {name} from {project}?',
    removeMessage: 'They lose their role in this project at once.',
    removeMember: 'Remove member',
    remove: 'Remove',
    none: 'No members.',
    noneLike: 'No members named like “{filter}”.',
  },
  {
    role1: '项目管理员',
    hint1: '全部权限，包括成员和设置',
    role4: '维护人员',
    hint4: '推送、删除、机器人账号',
    role2: '开发人员',
    hint2: '推送和拉取',
    role3: '访客',
    hint3: '拉取',
    role5: '受限访客',
    hint5: '仅拉取，看不到成员列表',
    username: '用户名',
    role: '角色',
    addMember: '添加成员',
    filter: '按名称筛选',
    filterLabel: '筛选成员',
    member: '成员',
    roleHeader: '角色',
    group: '（组）',
    roleOf: '{name} 的角色',
    removeTitle: '将 {name} 移出 {project}？',
    removeMessage: '其在该项目中的角色将立即失效。',
    removeMember: '移除成员',
    remove: '移除',
    none: '没有成员。',
    noneLike: '没有名称类似“{filter}”的成员。',
  },
);

interface Member {
  id: number;
  entity_name: string;
  entity_type: string;
  role_id: number;
  role_name: string;
}

/** Harbor's role ids, most powerful first. */
export const ROLE_IDS = [1, 4, 2, 3, 5] as const;

export function MembersPage(props: { project: string }) {
  const t = useT(catalog);
  const { ask, dialog } = useConfirm();
  const [filter, setFilter] = useState('');
  const base = `/projects/${encodeURIComponent(props.project)}/members`;
  const members = useApi<Member[]>(`${base}${query({ page_size: 100, entityname: filter })}`);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState(2);
  const action = useAction();
  const manage = `manage members of project ${props.project}`;

  const run = async (fn: () => Promise<unknown>) => {
    await action.run(fn);
    members.reload();
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim()) return;
    void run(async () => {
      await post(base, { role_id: role, member_user: { username: username.trim() } });
      setUsername('');
    });
  };
  const roleOptions = ROLE_IDS.map((id) => (
    <option key={id} value={id} title={t(`hint${id}`)}>
      {t(`role${id}`)}
    </option>
  ));
  return (
    <section>
      {dialog}
      <ProjectTabs project={props.project} current="members" />
      <ErrorBox
        error={members.error}
        onRetry={members.reload}
        context={{ permission: `list members of project ${props.project}`, feature: 'project members' }}
      />
      {members.data ? (
        <>
          <form className="inline-form" onSubmit={add}>
            <input
              aria-label={t('username')}
              placeholder={t('username')}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <select aria-label={t('role')} value={role} onChange={(e) => setRole(Number(e.target.value))}>
              {roleOptions}
            </select>
            <button type="submit" disabled={action.busy}>
              {t('addMember')}
            </button>
            <input
              type="search"
              className="search"
              aria-label={t('filterLabel')}
              placeholder={t('filter')}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </form>
          <ErrorBox error={action.error} context={{ permission: manage }} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('member')}</th>
                  <th>{t('roleHeader')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {members.data.map((m) => (
                  <tr key={m.id}>
                    <td>
                      {m.entity_name} {m.entity_type === 'g' ? <span className="muted small">{t('group')}</span> : null}
                    </td>
                    <td>
                      <select
                        aria-label={t('roleOf', { name: m.entity_name })}
                        value={m.role_id}
                        onChange={(e) => run(() => put(`${base}/${m.id}`, { role_id: Number(e.target.value) }))}
                      >
                        {roleOptions}
                      </select>
                    </td>
                    <td className="right">
                      <button
                        type="button"
                        className="link danger-text"
                        onClick={async () => {
                          const ok = await ask({
                            title: t('removeTitle', { name: m.entity_name, project: props.project }),
                            message: t('removeMessage'),
                            confirmLabel: t('removeMember'),
                          });
                          if (ok) await run(() => del(`${base}/${m.id}`));
                        }}
                      >
                        {t('remove')}
                      </button>
                    </td>
                  </tr>
                ))}
                {members.data.length === 0 ? (
                  <EmptyRow columns={3}>{filter ? t('noneLike', { filter }) : t('none')}</EmptyRow>
                ) : null}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
