/** The console's frame: header, navigation, sign-in state and the page for the current path. */
import { useEffect, useState } from 'react';
import { signOut } from './api.ts';
import { type AuthState, loadAuth } from './auth.ts';
import { ConsoleExtras } from './components/ConsoleExtras.tsx';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { useRegistryName } from './components/registry-name.ts';
import { messages, useT } from './i18n/index.ts';
import { AccountPage } from './pages/AccountPage.tsx';
import { ArtifactPage } from './pages/ArtifactPage.tsx';
import { AuditLogPage } from './pages/AuditLogPage.tsx';
import { AboutPage } from './pages/admin/AboutPage.tsx';
import { SystemSettingsPage } from './pages/admin/SystemSettingsPage.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { kubePage } from './pages/kube/routes.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { MembersPage } from './pages/MembersPage.tsx';
import { PoliciesPage } from './pages/PoliciesPage.tsx';
import { ProjectSettingsPage } from './pages/ProjectSettingsPage.tsx';
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
  if (path === '/' || path === '') return <Dashboard auth={props.auth} />;
  if (path === '/projects') return <ProjectsPage search={search} />;
  if (path === '/users') return <UsersPage search={search} />;
  if (path === '/robots') return <RobotsPage search={search} />;
  if (path === '/audit-logs') return <AuditLogPage search={search} />;
  if (path === '/storage') return <StoragePage />;
  if (path === '/admin/settings') return <SystemSettingsPage />;
  if (path === '/about') return <AboutPage />;
  if (path === '/account') return <AccountPage />;
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
  const project = /^\/projects\/([^/]+)(?:\/(members|robots|logs|signing|webhooks|settings|policies))?\/?$/.exec(path);
  if (project) {
    const name = decode(project[1]);
    if (project[2] === 'members') return <MembersPage project={name} />;
    if (project[2] === 'robots') return <RobotsPage project={name} search={search} />;
    if (project[2] === 'logs') return <AuditLogPage project={name} search={search} />;
    if (project[2] === 'signing') return <SigningPage project={name} />;
    if (project[2] === 'webhooks') return <WebhooksPage project={name} />;
    if (project[2] === 'settings') return <ProjectSettingsPage project={name} />;
    if (project[2] === 'policies') return <PoliciesPage project={name} />;
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
  return <NotFound path={path} />;
}

function NotFound(props: { path: string }) {
  const t = useT(text);
  return (
    <section>
      <h1>{t('notFound')}</h1>
      <p>
        {t('nothingAt')} <code>{props.path}</code> <Link to="/">{t('back')}</Link>
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
  const t = useT(text);
  const { path, search } = useLocation();
  const [auth, setAuth] = useState<AuthState>({ kind: 'loading' });
  const [menuOpen, setMenuOpen] = useState(false);
  const registryName = useRegistryName();

  useEffect(() => {
    // A 401 no longer sends the visitor away: public projects stay readable,
    // and the page says "please sign in" with the header's link beside it.
    loadAuth().then(setAuth);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu on every navigation
  useEffect(() => setMenuOpen(false), [path]);

  const admin = auth.kind === 'open' || (auth.kind === 'signed-in' && auth.user.sysadmin_flag === true);
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand" title={t('brandTitle', { name: registryName ?? 'Berth' })}>
          <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="#1f6feb" />
            <path d="M3 10h10l-2 3H5z" fill="white" />
            <path d="M7.5 3v6M7.5 3l3 4h-3" stroke="white" strokeWidth="1.2" fill="none" />
          </svg>
          {/* The name system settings give this registry; hidden (not absent) until known, so nothing shifts. */}
          <span className={registryName === null ? 'brand-name pending' : 'brand-name'}>{registryName ?? 'Berth'}</span>
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-label={t('menu')}
          onClick={() => setMenuOpen((o) => !o)}
        >
          ☰
        </button>
        <nav className={menuOpen ? 'mainnav open' : 'mainnav'}>
          <NavLink to="/" label={t('dashboard')} path={path} />
          <NavLink to="/projects" label={t('projects')} path={path} />
          {admin ? <NavLink to="/robots" label={t('robots')} path={path} /> : null}
          {admin ? <NavLink to="/users" label={t('users')} path={path} /> : null}
          {admin ? <NavLink to="/kube" label={t('kube')} path={path} /> : null}
          {admin ? <NavLink to="/audit-logs" label={t('auditLog')} path={path} /> : null}
          {admin ? <NavLink to="/storage" label={t('storage')} path={path} /> : null}
          {admin ? <NavLink to="/registries" label={t('registries')} path={path} /> : null}
          {admin ? <NavLink to="/replication" label={t('replication')} path={path} /> : null}
          {admin ? <NavLink to="/security" label={t('security')} path={path} /> : null}
          {admin ? <NavLink to="/scanners" label={t('scanners')} path={path} /> : null}
          <ConsoleExtras path={path} admin={admin} signedIn={auth.kind === 'signed-in' || auth.kind === 'open'} />
          <span className="spacer" />
          {auth.kind === 'signed-in' ? (
            <span className="who">
              <Link to="/account" title={t('account')}>
                {auth.user.username}
              </Link>
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
                {t('signOut')}
              </button>
            </span>
          ) : auth.kind === 'anonymous' ? (
            <Link
              to={
                path === '/login' ? path : `/login?next=${encodeURIComponent(path + (search.size ? `?${search}` : ''))}`
              }
            >
              {t('signIn')}
            </Link>
          ) : auth.kind === 'open' ? (
            <span className="who muted" title={t('openTitle')}>
              {t('open')}
            </span>
          ) : null}
          <LanguageSwitch />
        </nav>
      </header>
      <main className="content">
        <Page path={path} search={search} auth={auth} onAuth={setAuth} />
      </main>
    </div>
  );
}

const text = messages(
  {
    notFound: 'Not found',
    nothingAt: 'Nothing lives at',
    back: 'Back to the dashboard',
    menu: 'menu',
    brandTitle: '{name}, a Berth registry: back to the dashboard',
    dashboard: 'Dashboard',
    projects: 'Projects',
    robots: 'Robots',
    users: 'Users',
    kube: 'Kubernetes',
    auditLog: 'Audit log',
    storage: 'Storage',
    registries: 'Registries',
    replication: 'Replication',
    security: 'Security',
    scanners: 'Scanners',
    signOut: 'Sign out',
    account: 'My account',
    signIn: 'Sign in',
    openTitle: 'This server has no accounts yet: everyone may do everything.',
    open: 'open access',
  },
  {
    notFound: '未找到',
    nothingAt: '此地址下没有内容：',
    back: '返回仪表盘',
    menu: '菜单',
    brandTitle: '{name}（Berth 镜像仓库）：返回仪表盘',
    dashboard: '仪表盘',
    projects: '项目',
    robots: '机器人账户',
    users: '用户',
    kube: 'Kubernetes',
    auditLog: '审计日志',
    storage: '存储',
    registries: '仓库管理',
    replication: '复制管理',
    security: '安全',
    scanners: '扫描器',
    signOut: '退出登录',
    account: '我的账号',
    signIn: '登录',
    openTitle: '此服务器尚无账户：所有人都可执行所有操作。',
    open: '开放访问',
  },
);
