/** Registry connections: the list with each one's last test, create, edit, test and delete. */
import { useState } from 'react';
import { del, post } from '../../api.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { Link } from '../../router.tsx';
import { ConnectionForm } from './ConnectionForm.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import { LastTest, TestChecks } from './TestChecks.tsx';
import { type Connection, robotProject, type TestResult, typeLabel } from './types.ts';

/** The username; a Berth robot's name links to its project's robot list, marked as such. */
export function Username(props: { connection: Connection }) {
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
      <span className="badge" title="Its secret follows the robot: refreshing it updates this connection">
        Berth robot
      </span>
    </span>
  ) : (
    <span>
      <span className="mono wrap">{username}</span>
      <div className="small">carries robot {link}</div>
    </span>
  );
}

export function ConnectionsPage() {
  const list = useApi<Connection[]>('/kube/connections?page_size=100');
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const [tested, setTested] = useState<{ name: string; result: TestResult } | null>(null);
  const action = useAction();

  const test = async (c: Connection) => {
    setTested(null);
    const result = await action.run(() => post<TestResult>(`/kube/connections/${c.id}/test`, {}));
    if (result) setTested({ name: c.name, result });
    list.reload();
  };

  return (
    <section>
      <KubeTabs current="connections" />
      <div className="title-row">
        <p className="muted">Registries your clusters pull from, with the credentials their pull secrets carry.</p>
        {list.data && editing === null ? (
          <button type="button" onClick={() => setEditing('new')}>
            New connection
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
      {tested ? <TestChecks result={tested.result} title={`Test of ${tested.name}`} /> : null}
      {list.data ? (
        <div className="table-wrap">
          <table className="connections">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Address</th>
                <th className="hide-narrow">Username</th>
                <th>Last test</th>
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
                      Test
                    </button>
                    <button type="button" className="link" onClick={() => setEditing(c)}>
                      Edit
                    </button>
                    <button type="button" className="link danger-text" onClick={() => setDeleting(c)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {list.data.length === 0 ? (
                <EmptyRow columns={6}>
                  No registry connections yet. Add one to give clusters a pull secret for it.
                </EmptyRow>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete connection"
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const target = deleting;
            setDeleting(null);
            await action.run(() => del(`/kube/connections/${target.id}`));
            list.reload();
          }}
        >
          <p>
            Berth forgets this connection. Pull secrets already written to clusters stay there
            {deleting.berth_robot ? `, and the robot ${deleting.berth_robot} keeps working until you delete it` : ''}.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
