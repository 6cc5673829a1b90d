/** The title and tabs shared by a project's pages. */
import { projectRoute } from '../links.ts';
import { Link } from '../router.tsx';

const TABS = [
  { tab: undefined, label: 'Repositories' },
  { tab: 'members', label: 'Members' },
  { tab: 'robots', label: 'Robot accounts' },
  { tab: 'logs', label: 'Logs' },
  { tab: 'signing', label: 'Signing' },
  { tab: 'webhooks', label: 'Webhooks' },
  { tab: 'settings', label: 'Settings' },
] as const;

export function ProjectTabs(props: {
  project: string;
  current?: 'members' | 'robots' | 'logs' | 'signing' | 'webhooks' | 'settings';
}) {
  return (
    <>
      <p className="crumbs">
        <Link to="/projects">Projects</Link> /
      </p>
      <h1>{props.project}</h1>
      <nav className="tabs">
        {TABS.map((t) => (
          <Link
            key={t.label}
            to={projectRoute(props.project, t.tab)}
            className={t.tab === props.current ? 'active' : undefined}
          >
            {t.label}
          </Link>
        ))}
      </nav>
    </>
  );
}
