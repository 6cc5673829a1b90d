/** The audit log, registry-wide (/audit-logs) or of one project (/projects/{p}/logs), with filters. */
import { query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { dateTime } from '../format.ts';
import { setQuery } from '../router.tsx';

interface AuditEntry {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  operation_result?: boolean;
  client_address?: string;
  op_time: string;
}

const OPERATIONS = ['', 'create', 'delete', 'pull', 'push', 'update', 'login'];
const TYPES = ['', 'artifact', 'repository', 'project', 'member', 'robot', 'user', 'login'];

export function AuditLogPage(props: { project?: string; search: URLSearchParams }) {
  const { page, pageSize } = pageFrom(props.search);
  const username = props.search.get('username') ?? '';
  const operation = props.search.get('operation') ?? '';
  const type = props.search.get('resource_type') ?? '';
  const q = [
    username ? `username=${username}` : '',
    operation ? `operation=${operation}` : '',
    type ? `resource_type=${type}` : '',
  ]
    .filter(Boolean)
    .join(',');
  const base = props.project ? `/projects/${encodeURIComponent(props.project)}/logs` : '/audit-logs';
  const logs = useApi<AuditEntry[]>(`${base}${query({ page, page_size: pageSize, sort: '-op_time', q })}`);
  const permission = props.project ? `read the audit log of project ${props.project}` : 'system administrator';
  return (
    <section>
      {props.project ? <ProjectTabs project={props.project} current="logs" /> : <h1>Audit log</h1>}
      <div className="toolbar">
        <SearchBox value={username} placeholder="Username" param="username" />
        <select
          aria-label="operation"
          value={operation}
          onChange={(e) => setQuery({ operation: e.target.value, page: undefined })}
        >
          {OPERATIONS.map((o) => (
            <option key={o} value={o}>
              {o || 'any operation'}
            </option>
          ))}
        </select>
        <select
          aria-label="resource type"
          value={type}
          onChange={(e) => setQuery({ resource_type: e.target.value, page: undefined })}
        >
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t || 'any resource'}
            </option>
          ))}
        </select>
      </div>
      <ErrorBox error={logs.error} onRetry={logs.reload} context={{ permission, feature: 'audit logs' }} />
      {logs.data ? (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>Operation</th>
                  <th>Resource</th>
                  <th className="hide-narrow">From</th>
                </tr>
              </thead>
              <tbody>
                {logs.data.map((e) => (
                  <tr key={e.id} className={e.operation_result === false ? 'failed' : undefined}>
                    <td className="nowrap">{dateTime(e.op_time)}</td>
                    <td>{e.username}</td>
                    <td>
                      {e.operation}
                      {e.operation_result === false ? <span className="badge failure">failed</span> : null}
                    </td>
                    <td>
                      <span className="muted small">{e.resource_type}</span> <code>{e.resource}</code>
                    </td>
                    <td className="hide-narrow muted">{e.client_address}</td>
                  </tr>
                ))}
                {logs.data.length === 0 ? (
                  <EmptyRow columns={5}>Nothing logged{q ? ' matches these filters' : ' yet'}.</EmptyRow>
                ) : null}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={logs.total} noun="events" />
        </>
      ) : null}
    </section>
  );
}
