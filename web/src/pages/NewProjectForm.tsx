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
import type { UpstreamRegistry } from './RegistriesPage.tsx';

type Kind = 'hosted' | 'proxy' | 'group';

export function NewProjectForm(props: { onDone: () => void }) {
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
      <h2>New project</h2>
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label className="check">
        <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} /> Public (anyone may
        pull)
      </label>
      <fieldset>
        <legend>Kind</legend>
        {(['hosted', 'proxy', 'group'] as const).map((k) => (
          <label key={k} className="check">
            <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} />{' '}
            {k === 'hosted'
              ? 'Hosted (push and pull)'
              : k === 'proxy'
                ? 'Proxy cache of a registry'
                : 'Group of projects'}
          </label>
        ))}
      </fieldset>
      {kind === 'proxy' ? (
        <label>
          Upstream registry
          <select value={registryId} onChange={(e) => setRegistryId(e.target.value)} required>
            <option value="">choose…</option>
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
          Members, in priority order (comma separated)
          <input value={members} placeholder="hosted, dockerhub-proxy" onChange={(e) => setMembers(e.target.value)} />
          <FieldError error={save.error} field="group_members" />
        </label>
      ) : null}
      {isFieldError(save.error, ['registry_id', 'group_members']) ? null : <ErrorBox error={save.error} />}
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          Create
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
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
  const project = useApi<{ group_members?: string[]; registry_id?: number }>(
    `/projects/${encodeURIComponent(props.project)}`,
  );
  const members = project.data?.group_members;
  const pulls = useApi<GroupPull[]>(members ? `/projects/${encodeURIComponent(props.project)}/group_pulls` : null);
  if (project.data?.registry_id)
    return <p className="notice">Proxy cache of registry #{project.data.registry_id}: pushes are refused.</p>;
  if (!members) return null;
  return (
    <div className="panel">
      <h2>Group: {members.join(' → ')}</h2>
      <table>
        <thead>
          <tr>
            <th>Pulled</th>
            <th>Answered by</th>
            <th className="hide-narrow">When</th>
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
              <td colSpan={3}>No pulls since the server started.</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
