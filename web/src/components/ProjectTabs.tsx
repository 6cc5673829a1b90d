/** The title and tabs shared by a project's pages. */

import { messages, useT } from '../i18n/index.ts';
import { projectRoute } from '../links.ts';
import { Link } from '../router.tsx';

const text = messages(
  {
    projects: 'Projects',
    repositories: 'Repositories',
    members: 'Members',
    robots: 'Robot accounts',
    logs: 'Logs',
    signing: 'Signing',
    webhooks: 'Webhooks',
    settings: 'Settings',
    policies: 'Policies',
  },
  {
    projects: '项目',
    repositories: '仓库',
    members: '成员',
    robots: '机器人账户',
    logs: '日志',
    signing: '签名',
    webhooks: 'Webhooks',
    settings: '设置',
    policies: '策略',
  },
);

const TABS = [
  { tab: undefined, label: 'repositories' },
  { tab: 'members', label: 'members' },
  { tab: 'robots', label: 'robots' },
  { tab: 'logs', label: 'logs' },
  { tab: 'signing', label: 'signing' },
  { tab: 'webhooks', label: 'webhooks' },
  { tab: 'settings', label: 'settings' },
  { tab: 'policies', label: 'policies' },
] as const;

export function ProjectTabs(props: {
  project: string;
  current?: 'members' | 'robots' | 'logs' | 'signing' | 'webhooks' | 'settings' | 'policies';
}) {
  const t = useT(text);
  return (
    <>
      <p className="crumbs">
        <Link to="/projects">{t('projects')}</Link> /
      </p>
      <h1>{props.project}</h1>
      <nav className="tabs">
        {TABS.map((tab) => (
          <Link
            key={tab.label}
            to={projectRoute(props.project, tab.tab)}
            className={tab.tab === props.current ? 'active' : undefined}
          >
            {t(tab.label)}
          </Link>
        ))}
      </nav>
    </>
  );
}
