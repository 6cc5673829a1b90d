/** The audit log, registry-wide (/audit-logs) or of one project (/projects/{p}/logs), with filters. */
import { query } from '../api.ts';
import { EmptyRow } from '../components/EmptyRow.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Pager, pageFrom } from '../components/Pager.tsx';
import { ProjectTabs } from '../components/ProjectTabs.tsx';
import { SearchBox } from '../components/SearchBox.tsx';
import { useApi } from '../components/use-api.ts';
import { dateTime } from '../format.ts';
import { auditWord, auditWords } from '../i18n/audit.ts';
import { messages, useT } from '../i18n/index.ts';
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

// Signing in and out are operations on a user (Harbor's shape), not a resource type of their own.
const OPERATIONS = ['', 'create', 'delete', 'pull', 'push', 'update', 'login', 'logout'];
const TYPES = ['', 'artifact', 'repository', 'project', 'member', 'robot', 'user'];

export function AuditLogPage(props: { project?: string; search: URLSearchParams }) {
  const t = useT(text);
  const words = useT(auditWords);
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
  const permission = props.project ? t('permission', { project: props.project }) : t('admin');
  return (
    <section>
      {props.project ? <ProjectTabs project={props.project} current="logs" /> : <h1>{t('title')}</h1>}
      <div className="toolbar">
        <SearchBox value={username} placeholder={t('username')} param="username" />
        <select
          aria-label={t('operation')}
          value={operation}
          onChange={(e) => setQuery({ operation: e.target.value, page: undefined })}
        >
          {OPERATIONS.map((o) => (
            <option key={o} value={o}>
              {o ? auditWord(words, o) : t('anyOperation')}
            </option>
          ))}
        </select>
        <select
          aria-label={t('resourceType')}
          value={type}
          onChange={(e) => setQuery({ resource_type: e.target.value, page: undefined })}
        >
          {TYPES.map((r) => (
            <option key={r} value={r}>
              {r ? auditWord(words, r) : t('anyResource')}
            </option>
          ))}
        </select>
      </div>
      <ErrorBox error={logs.error} onRetry={logs.reload} context={{ permission, feature: t('feature') }} />
      {logs.data ? (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('when')}</th>
                  <th>{t('who')}</th>
                  <th>{t('operationHead')}</th>
                  <th>{t('resource')}</th>
                  <th className="hide-narrow">{t('from')}</th>
                </tr>
              </thead>
              <tbody>
                {logs.data.map((e) => (
                  <tr key={e.id} className={e.operation_result === false ? 'failed' : undefined}>
                    <td className="nowrap">{dateTime(e.op_time)}</td>
                    <td>{e.username}</td>
                    <td>
                      {auditWord(words, e.operation)}
                      {e.operation_result === false ? <span className="badge failure">{t('failed')}</span> : null}
                    </td>
                    <td>
                      <span className="muted small">{auditWord(words, e.resource_type)}</span> <code>{e.resource}</code>
                    </td>
                    <td className="hide-narrow muted">{e.client_address}</td>
                  </tr>
                ))}
                {logs.data.length === 0 ? <EmptyRow columns={5}>{q ? t('noMatch') : t('empty')}</EmptyRow> : null}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={pageSize} total={logs.total} noun={t('events')} />
        </>
      ) : null}
    </section>
  );
}

const text = messages(
  {
    title: 'Audit log',
    permission: 'read the audit log of project {project}',
    admin: 'system administrator',
    feature: 'audit logs',
    username: 'Username',
    operation: 'operation',
    anyOperation: 'any operation',
    resourceType: 'resource type',
    anyResource: 'any resource',
    when: 'When',
    who: 'Who',
    operationHead: 'Operation',
    resource: 'Resource',
    from: 'From',
    failed: 'failed',
    noMatch: 'Nothing logged matches these filters.',
    empty: 'Nothing logged yet.',
    events: 'events',
  },
  {
    title: '审计日志',
    permission: '读取项目 {project} 的审计日志',
    admin: '系统管理员',
    feature: '审计日志',
    username: '用户名',
    operation: '操作',
    anyOperation: '所有操作',
    resourceType: '资源类型',
    anyResource: '所有资源',
    when: '时间',
    who: '用户',
    operationHead: '操作',
    resource: '资源',
    from: '来源',
    failed: '失败',
    noMatch: '没有符合筛选条件的日志。',
    empty: '尚无日志。',
    events: '事件',
  },
);
