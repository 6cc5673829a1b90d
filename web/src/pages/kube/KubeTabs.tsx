/** The title and tabs of the Kubernetes pages (administrators only). */
import { getLocale, messages, useT } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';

const TABS = [
  { to: '/kube', key: 'connections' },
  { to: '/kube/clusters', key: 'clusters' },
  { to: '/kube/mirrors', key: 'mirrors' },
  { to: '/kube/diagnose', key: 'diagnose' },
] as const;

export type KubeTab = (typeof TABS)[number]['key'];

/** What a 403 or a missing module on these pages names, in the language shown when the error is. */
export const KUBE_CONTEXT = {
  get permission() {
    return text[getLocale()].permission;
  },
  get feature() {
    return text[getLocale()].feature;
  },
};

export function KubeTabs(props: { current: KubeTab }) {
  const t = useT(text);
  return (
    <>
      <h1>Kubernetes</h1>
      <nav className="tabs">
        {TABS.map((tab) => (
          <Link key={tab.key} to={tab.to} className={tab.key === props.current ? 'active' : undefined}>
            {t(tab.key)}
          </Link>
        ))}
      </nav>
    </>
  );
}

const text = messages(
  {
    connections: 'Registry connections',
    clusters: 'Clusters',
    mirrors: 'Mirrors',
    diagnose: 'Pull diagnosis',
    permission: 'system administrator',
    feature: 'Kubernetes settings',
  },
  {
    connections: '仓库连接',
    clusters: '集群',
    mirrors: '镜像加速',
    diagnose: '拉取诊断',
    permission: '系统管理员',
    feature: 'Kubernetes 设置',
  },
);
