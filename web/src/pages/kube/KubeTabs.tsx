/** The title and tabs of the Kubernetes pages (administrators only). */
import { Link } from '../../router.tsx';

const TABS = [
  { to: '/kube', label: 'Registry connections', key: 'connections' },
  { to: '/kube/clusters', label: 'Clusters', key: 'clusters' },
  { to: '/kube/mirrors', label: 'Mirrors', key: 'mirrors' },
  { to: '/kube/diagnose', label: 'Pull diagnosis', key: 'diagnose' },
] as const;

export type KubeTab = (typeof TABS)[number]['key'];

/** The permission a 403 on these pages names. */
export const KUBE_PERMISSION = 'system administrator';
export const KUBE_CONTEXT = { permission: KUBE_PERMISSION, feature: 'Kubernetes settings' };

export function KubeTabs(props: { current: KubeTab }) {
  return (
    <>
      <h1>Kubernetes</h1>
      <nav className="tabs">
        {TABS.map((t) => (
          <Link key={t.key} to={t.to} className={t.key === props.current ? 'active' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
    </>
  );
}
