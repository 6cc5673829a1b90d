/**
 * The header's search across projects and repositories (Harbor's /search):
 * results appear as the user types and link to the project or repository.
 */
import { useEffect, useState } from 'react';
import { get } from '../api.ts';
import { messages, useT } from '../i18n/index.ts';
import { projectRoute, repositoryRoute } from '../links.ts';
import { Link } from '../router.tsx';
import './admin.css';

const catalog = messages(
  {
    label: 'Global search',
    placeholder: 'Search projects and repositories',
    projects: 'Projects',
    repositories: 'Repositories',
    nothing: 'Nothing matches “{q}”.',
    artifacts: '{count} artifacts',
  },
  {
    label: '全局搜索',
    placeholder: '搜索项目和仓库',
    projects: '项目',
    repositories: '仓库',
    nothing: '没有与“{q}”匹配的结果。',
    artifacts: '{count} 个制品',
  },
);

interface Found {
  project: { name: string; metadata: { public: string } }[];
  repository: { repository_name: string; artifact_count: number }[];
}

export function GlobalSearch() {
  const t = useT(catalog);
  const [text, setText] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  useEffect(() => {
    const q = text.trim();
    if (!q) return setFound(null);
    let current = true;
    const timer = setTimeout(() => {
      get<Found>(`/search?q=${encodeURIComponent(q)}`).then(
        (r) => current && setFound(r),
        () => current && setFound(null),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);
  const close = () => {
    setText('');
    setFound(null);
  };
  const empty = found && found.project.length === 0 && found.repository.length === 0;
  return (
    <div className="global-search">
      <input
        type="search"
        aria-label={t('label')}
        placeholder={t('placeholder')}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && close()}
      />
      {found && text.trim() ? (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the links inside take the keyboard; a click on one closes the list
        <div className="results" role="listbox" tabIndex={-1} onClick={close}>
          {empty ? <p className="muted">{t('nothing', { q: text.trim() })}</p> : null}
          {found.project.length > 0 ? <h3>{t('projects')}</h3> : null}
          {found.project.map((p) => (
            <Link key={p.name} to={projectRoute(p.name)}>
              {p.name}
            </Link>
          ))}
          {found.repository.length > 0 ? <h3>{t('repositories')}</h3> : null}
          {found.repository.map((r) => (
            <Link key={r.repository_name} to={repositoryRoute(r.repository_name)}>
              {r.repository_name} <span className="muted small">{t('artifacts', { count: r.artifact_count })}</span>
            </Link>
          ))}
        </div>
      ) : null}
    </div>
  );
}
