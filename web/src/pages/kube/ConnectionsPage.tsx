/** Registry connections: the list with each one's last test, create, edit, test and delete. */
import { useState } from 'react';
import { del, post } from '../../api.ts';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { useConfirm } from '../../components/use-confirm.tsx';
import { messages, useT } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';
import { ConnectionForm } from './ConnectionForm.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import { LastTest, TestChecks } from './TestChecks.tsx';
import { type Connection, robotProject, type TestResult, typeLabel } from './types.ts';

/** The username; a Berth robot's name links to its project's robot list, marked as such. */
export function Username(props: { connection: Connection }) {
  const t = useT(text);
  const { username, berth_robot: robot } = props.connection;
  if (!robot) return <span className="mono wrap">{username}</span>;
  const project = robotProject(robot);
  const link = (
    <Link to={project ? `/projects/${encodeURIComponent(project)}/robots` : '/robots'} className="mono wrap">
      {robot}
    </Link>
  );
  return robot === username ? (
    <span>
      {link}
      <span className="badge" title={t('robotTitle')}>
        {t('berthRobot')}
      </span>
    </span>
  ) : (
    <span>
      <span className="mono wrap">{username}</span>
      <div className="small">
        {t('carries')} {link}
      </div>
    </span>
  );
}

export function ConnectionsPage() {
  const t = useT(text);
  const list = useApi<Connection[]>('/kube/connections?page_size=100');
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const { ask, dialog } = useConfirm();
  const [tested, setTested] = useState<{ name: string; result: TestResult } | null>(null);
  const action = useAction();

  const test = async (c: Connection) => {
    setTested(null);
    const result = await action.run(() => post<TestResult>(`/kube/connections/${c.id}/test`, {}));
    if (result) setTested({ name: c.name, result });
    list.reload();
  };

  const remove = async (c: Connection) => {
    const ok = await ask({
      title: t('deleteTitle', { name: c.name }),
      message: c.berth_robot ? t('deleteRobot', { robot: c.berth_robot }) : t('deleteMessage'),
      confirmLabel: t('deleteConnection'),
    });
    if (!ok) return;
    await action.run(() => del(`/kube/connections/${c.id}`));
    list.reload();
  };

  return (
    <section>
      <KubeTabs current="connections" />
      <div className="title-row">
        <p className="muted">{t('intro')}</p>
        {list.data && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            {t('new')}
          </button>
        ) : null}
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} context={KUBE_CONTEXT} />
      {editing !== null ? (
        <ConnectionForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      ) : null}
      <ErrorBox error={action.error} context={KUBE_CONTEXT} />
      {tested ? <TestChecks result={tested.result} title={t('testOf', { name: tested.name })} /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table className="connections">
            <thead>
              <tr>
                <th>{t('name')}</th>
                <th>{t('type')}</th>
                <th>{t('address')}</th>
                <th className="hide-narrow">{t('username')}</th>
                <th>{t('lastTest')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/kube/connections/${c.id}`}>{c.name}</Link>
                    {c.description ? <div className="muted small">{c.description}</div> : null}
                  </td>
                  <td>{typeLabel(c.type)}</td>
                  <td className="mono wrap">{c.address}</td>
                  <td className="hide-narrow">
                    <Username connection={c} />
                  </td>
                  <td>
                    <LastTest test={c.last_test} />
                  </td>
                  <td className="right nowrap">
                    <button type="button" className="link" disabled={action.busy} onClick={() => test(c)}>
                      {t('test')}
                    </button>
                    <button type="button" className="link" onClick={() => setEditing(c)}>
                      {t('edit')}
                    </button>
                    <button type="button" className="link danger-text" onClick={() => remove(c)}>
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              ))}
              {list.data.length === 0 ? <EmptyRow columns={6}>{t('empty')}</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {dialog}
    </section>
  );
}

const text = messages(
  {
    robotTitle: 'Its secret follows the robot: refreshing it updates this connection',
    berthRobot: 'Berth robot',
    carries: 'carries robot',
    intro: 'Registries your clusters pull from, with the credentials their pull secrets carry.',
    new: 'New connection',
    testOf: 'Test of {name}',
    name: 'Name',
    type: 'Type',
    address: 'Address',
    username: 'Username',
    lastTest: 'Last test',
    test: 'Test',
    edit: 'Edit',
    delete: 'Delete',
    empty: 'No registry connections yet. Add one to give clusters a pull secret for it.',
    deleteTitle: 'Delete {name}?',
    deleteMessage: 'Berth forgets this connection. Pull secrets already written to clusters stay there.',
    deleteRobot:
      'Berth forgets this connection. Pull secrets already written to clusters stay there, and the robot {robot} keeps working until you delete it.',
    deleteConnection: 'Delete connection',
  },
  {
    robotTitle: '其密钥跟随机器人账户：刷新机器人密钥会同步更新此连接',
    berthRobot: 'Berth 机器人账户',
    carries: '使用机器人账户',
    intro: '集群从这些镜像仓库拉取镜像，拉取密钥中带有这里的凭据。',
    new: '新建连接',
    testOf: '{name} 的测试',
    name: '名称',
    type: '类型',
    address: '地址',
    username: '用户名',
    lastTest: '最近测试',
    test: '测试',
    edit: '编辑',
    delete: '删除',
    empty: '尚无仓库连接。添加一个，即可为集群提供访问它的拉取密钥。',
    deleteTitle: '删除 {name}？',
    deleteMessage: 'Berth 将忘记此连接。已写入集群的拉取密钥会保留。',
    deleteRobot: 'Berth 将忘记此连接。已写入集群的拉取密钥会保留，机器人账户 {robot} 在你删除它之前仍然有效。',
    deleteConnection: '删除连接',
  },
);
