/** The console's frame: header, navigation, sign-in state and the page for the current path. */
import { useEffect, useState } from 'react';
import { signOut } from './api.ts';
import { type AuthState, loadAuth } from './auth.ts';
import { ArtifactPage } from './pages/ArtifactPage.tsx';
import { AuditLogPage } from './pages/AuditLogPage.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { kubePage } from './pages/kube/routes.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { MembersPage } from './pages/MembersPage.tsx';
import { ProjectsPage } from './pages/ProjectsPage.tsx';
import { RegistriesPage } from './pages/RegistriesPage.tsx';
import { ReplicationPage } from './pages/ReplicationPage.tsx';
import { RepositoriesPage } from './pages/RepositoriesPage.tsx';
import { RepositoryPage } from './pages/RepositoryPage.tsx';
import { RobotsPage } from './pages/RobotsPage.tsx';
import { ScannersPage } from './pages/ScannersPage.tsx';
import { SecurityPage } from './pages/SecurityPage.tsx';
import { SigningPage } from './pages/SigningPage.tsx';
import { StoragePage } from './pages/StoragePage.tsx';
import { TagHistoryPage } from './pages/TagHistoryPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { WebhooksPage } from './pages/WebhooksPage.tsx';
import { Link, navigate, useLocation } from './router.tsx';

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function Page(props: { path: string; search: URLSearchParams; auth: AuthState; onAuth: (a: AuthState) => void }) {
  const { path, search } = props;
  if (path === '/login') return <LoginPage onSignedIn={props.onAuth} />;
  if (path === '/' || path === '') return <Dashboard />;
  if (path === '/projects') return <ProjectsPage search={search} />;
  if (path === '/users') return <UsersPage search={search} />;
  if (path === '/robots') return <RobotsPage search={search} />;
  if (path === '/audit-logs') return <AuditLogPage search={search} />;
  if (path === '/storage') return <StoragePage />;
  const tagHistory = /^\/projects\/([^/]+)\/repositories\/(.+)\/tags\/([^/]+)\/history$/.exec(path);
  if (tagHistory)
    return (
      <TagHistoryPage project={decode(tagHistory[1])} repository={decode(tagHistory[2])} tag={decode(tagHistory[3])} />
    );
  if (path === '/registries') return <RegistriesPage />;
  if (path === '/replication') return <ReplicationPage />;
  if (path === '/security') return <SecurityPage search={search} />;
  if (path === '/scanners') return <ScannersPage />;
  if (path.startsWith('/kube')) {
    const page = kubePage(path);
    if (page) return page;
  }
  const project = /^\/projects\/([^/]+)(?:\/(members|robots|logs|signing|webhooks))?\/?$/.exec(path);
  if (project) {
    const name = decode(project[1]);
    if (project[2] === 'members') return <MembersPage project={name} />;
    if (project[2] === 'robots') return <RobotsPage project={name} search={search} />;
    if (project[2] === 'logs') return <AuditLogPage project={name} search={search} />;
    if (project[2] === 'signing') return <SigningPage project={name} />;
    if (project[2] === 'webhooks') return <WebhooksPage project={name} />;
    return <RepositoriesPage project={name} search={search} />;
  }
  const repo = /^\/projects\/([^/]+)\/repositories\/(.+)$/.exec(path);
  if (repo) {
    const projectName = decode(repo[1]);
    const rest = repo[2];
    const at = rest.lastIndexOf('/artifacts/');
    const relative = decode(at === -1 ? rest.replace(/\/$/, '') : rest.slice(0, at));
    const repository = relative === projectName ? relative : `${projectName}/${relative}`;
    if (at !== -1) {
      return <ArtifactPage project={projectName} repository={repository} reference={decode(rest.slice(at + 11))} />;
    }
    return <RepositoryPage project={projectName} repository={repository} search={search} />;
  }
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Back to the dashboard</Link>.
      </p>
    </section>
  );
}

function NavLink(props: { to: string; label: string; path: string }) {
  const active = props.to === '/' ? props.path === '/' : props.path.startsWith(props.to);
  return (
    <Link to={props.to} className={active ? 'active' : undefined}>
      {props.label}
    </Link>
  );
}

export function App() {
  const { path, search } = useLocation();
  const [auth, setAuth] = useState<AuthState>({ kind: 'loading' });
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => {
    loadAuth().then(setAuth);
    const onUnauthorized = () => {
      if (location.pathname !== '/login')
        navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    };
    window.addEventListener('berth:unauthorized', onUnauthorized);
    return () => window.removeEventListener('berth:unauthorized', onUnauthorized);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu on every navigation
  useEffect(() => setMenuOpen(false), [path]);

  const admin = auth.kind === 'open' || (auth.kind === 'signed-in' && auth.user.sysadmin_flag === true);
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="#1f6feb" />
            <path d="M3 10h10l-2 3H5z" fill="white" />
            <path d="M7.5 3v6M7.5 3l3 4h-3" stroke="white" strokeWidth="1.2" fill="none" />
          </svg>
          Berth
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-label="menu"
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <nav className={menuOpen ? 'mainnav open' : 'mainnav'}>
          <NavLink to="/" label="Dashboard" path={path} />
          <NavLink to="/projects" label="Projects" path={path} />
          {admin ? <NavLink to="/robots" label="Robots" path={path} /> : null}
          {admin ? <NavLink to="/users" label="Users" path={path} /> : null}
          {admin ? <NavLink to="/kube" label="Kubernetes" path={path} /> : null}
          {admin ? <NavLink to="/audit-logs" label="Audit log" path={path} /> : null}
          {admin ? <NavLink to="/storage" label="Storage" path={path} /> : null}
          {admin ? <NavLink to="/registries" label="Registries" path={path} /> : null}
          {admin ? <NavLink to="/replication" label="Replication" path={path} /> : null}
          {admin ? <NavLink to="/security" label="Security" path={path} /> : null}
          {admin ? <NavLink to="/scanners" label="Scanners" path={path} /> : null}
          <span className="spacer" />
          {auth.kind === 'signed-in' ? (
            <span className="who">
              {auth.user.username}
              <button
                type="button"
                className="link"
                onClick={() => {
                  void signOut().then(() => {
                    setAuth({ kind: 'anonymous' });
                    navigate('/login');
                  });
                }}
              >
                Sign out
              </button>
            </span>
          ) : auth.kind === 'anonymous' ? (
            <Link to="/login">Sign in</Link>
          ) : auth.kind === 'open' ? (
            <span className="who muted" title="This server has no accounts yet: everyone may do everything.">
              open access
            </span>
          ) : null}
        </nav>
      </header>
      <main className="content">
        <Page path={path} search={search} auth={auth} onAuth={setAuth} />
      </main>
    </div>
  );
}
