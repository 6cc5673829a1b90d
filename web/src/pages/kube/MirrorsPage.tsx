/**
 * Connection groups (registries mirroring one upstream, tried in order, the
 * upstream last) and the runtime files they render: containerd's hosts.toml
 * per upstream and CRI-O/podman's registries.conf.
 */
import { useState } from 'react';
import { del } from '../../api.ts';
import { CodeBlock } from '../../components/CodeBlock.tsx';
import { EmptyRow } from '../../components/EmptyRow.tsx';
import { ErrorBox } from '../../components/ErrorBox.tsx';
import { useAction } from '../../components/use-action.ts';
import { useApi } from '../../components/use-api.ts';
import { useConfirm } from '../../components/use-confirm.tsx';
import { GroupForm } from './GroupForm.tsx';
import { KUBE_CONTEXT, KubeTabs } from './KubeTabs.tsx';
import type { Connection, Group } from './types.ts';

/** Remounted (by key) when groups change, so both files are read again. */
function Rendered() {
  const containerd = useApi<{ config_path: string; files: { path: string; content: string }[] }>(
    '/kube/mirrors?format=containerd',
  );
  const conf = useApi<string>('/kube/mirrors?format=registries.conf', { text: true });
  return (
    <div className="panel">
      <h2>Runtime configuration</h2>
      <ErrorBox error={containerd.error ?? conf.error} context={KUBE_CONTEXT} />
      <h3>containerd</h3>
      <p className="muted small">
        Files under <code>{containerd.data?.config_path ?? '/etc/containerd/certs.d'}</code> (containerd's{' '}
        <code>config_path</code>); no restart needed.
      </p>
      {(containerd.data?.files ?? []).map((f) => (
        <CodeBlock key={f.path} title={`${containerd.data?.config_path}/${f.path}`} text={f.content} />
      ))}
      <h3>CRI-O and podman</h3>
      <p className="muted small">
        <code>/etc/containers/registries.conf</code> (or a drop-in in <code>registries.conf.d/</code>).
      </p>
      {conf.data ? <CodeBlock title="registries.conf" text={conf.data} /> : null}
    </div>
  );
}

export function MirrorsPage() {
  const { ask, dialog } = useConfirm();
  const groups = useApi<Group[]>('/kube/groups?page_size=100');
  const connections = useApi<Connection[]>('/kube/connections?page_size=100');
  const [adding, setAdding] = useState(false);
  const [generation, setGeneration] = useState(0);
  const action = useAction();
  const changed = () => {
    groups.reload();
    setGeneration((g) => g + 1);
  };
  const name = (id: number) => connections.data?.find((c) => c.id === id)?.name ?? `#${id}`;
  return (
    <section>
      {dialog}
      <KubeTabs current="mirrors" />
      <div className="title-row">
        <p className="muted">Nodes pull an upstream's images from your registries first, and from the upstream last.</p>
        {groups.data ? (
          <button type="button" onClick={() => setAdding((a) => !a)}>
            {adding ? 'Cancel' : 'New group'}
          </button>
        ) : null}
      </div>
      <ErrorBox error={groups.error ?? action.error} onRetry={groups.reload} context={KUBE_CONTEXT} />
      {adding && connections.data ? (
        <GroupForm
          connections={connections.data}
          onDone={() => {
            setAdding(false);
            changed();
          }}
        />
      ) : null}
      {groups.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Group</th>
                <th>Upstream</th>
                <th>Tried in order</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={g.id}>
                  <td>{g.name}</td>
                  <td className="mono">{g.upstream}</td>
                  <td className="small">
                    {[
                      ...g.members.map((m) => `${name(m.connection_id)}${m.project ? ` (${m.project})` : ''}`),
                      g.upstream,
                    ].join(' → ')}
                  </td>
                  <td className="right">
                    <button
                      type="button"
                      className="link danger-text"
                      onClick={async () => {
                        const ok = await ask({
                          title: `Delete the group ${g.name}?`,
                          message: 'Its mirror files are no longer rendered; the connections stay.',
                          confirmLabel: 'Delete group',
                        });
                        if (!ok) return;
                        await action.run(() => del(`/kube/groups/${g.id}`));
                        changed();
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {groups.data.length === 0 ? (
                <EmptyRow columns={4}>
                  No groups yet. A group lists the connections that mirror one upstream, such as docker.io.
                </EmptyRow>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {groups.data && groups.data.length > 0 ? <Rendered key={generation} /> : null}
    </section>
  );
}
