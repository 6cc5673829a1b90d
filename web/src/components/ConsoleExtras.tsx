/**
 * The header's additions for daily work: the global search (signed in, or
 * auth off) and the administration entries (system settings for
 * administrators, About for everyone).
 */
import { messages, useT } from '../i18n/index.ts';
import { Link } from '../router.tsx';
import { GlobalSearch } from './GlobalSearch.tsx';

const catalog = messages({ settings: 'Settings', about: 'About' }, { settings: '系统设置', about: '关于' });

export function ConsoleExtras(props: { path: string; admin: boolean; signedIn: boolean }) {
  const t = useT(catalog);
  const link = (to: string, label: string) => (
    <Link to={to} className={props.path.startsWith(to) ? 'active' : undefined}>
      {label}
    </Link>
  );
  return (
    <>
      {props.admin ? link('/admin/settings', t('settings')) : null}
      {link('/about', t('about'))}
      {props.signedIn ? <GlobalSearch /> : null}
    </>
  );
}
