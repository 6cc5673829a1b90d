/** The Kubernetes pages by path (/kube/…), or null for any other path. */
import type { ReactNode } from 'react';
import { ClustersPage } from './ClustersPage.tsx';
import { ConnectionPage } from './ConnectionPage.tsx';
import { ConnectionsPage } from './ConnectionsPage.tsx';
import { DiagnosePage } from './DiagnosePage.tsx';
import { MirrorsPage } from './MirrorsPage.tsx';

export function kubePage(path: string): ReactNode | null {
  const p = path.replace(/\/$/, '');
  if (p === '/kube' || p === '/kube/connections') return <ConnectionsPage />;
  if (p === '/kube/clusters') return <ClustersPage />;
  if (p === '/kube/mirrors') return <MirrorsPage />;
  if (p === '/kube/diagnose') return <DiagnosePage />;
  const connection = /^\/kube\/connections\/(\d+)$/.exec(p);
  if (connection) return <ConnectionPage key={connection[1]} id={Number(connection[1])} />;
  return null;
}
