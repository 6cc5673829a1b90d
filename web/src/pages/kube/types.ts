/** The shapes of /api/v2.0/kube/… as the console reads them. */

export const CONNECTION_TYPES = [
  { value: 'berth', label: 'Berth' },
  { value: 'harbor', label: 'Harbor' },
  { value: 'docker-registry', label: 'Docker Registry' },
  { value: 'acr', label: 'Alibaba Cloud ACR' },
  { value: 'oci', label: 'OCI registry' },
] as const;

export const typeLabel = (type: string) => CONNECTION_TYPES.find((t) => t.value === type)?.label ?? type;

export interface Check {
  step: 'reachable' | 'registry-api' | 'credentials' | 'pull';
  ok: boolean;
  message: string;
}

export interface TestResult {
  ok: boolean;
  checks: Check[];
}

export interface Connection {
  id: number;
  name: string;
  type: string;
  address: string;
  username: string;
  email: string | null;
  description: string;
  project_id: number | null;
  berth_robot: string | null;
  last_test: (TestResult & { time: string }) | null;
  creation_time: string;
  update_time: string;
}

export interface Copy {
  namespace: string;
  state: 'created' | 'updated' | 'unchanged' | 'failed' | 'pending';
  message: string | null;
  current: boolean;
  service_accounts: { name: string; state: string; message?: string }[];
  synced_at: string | null;
}

export interface Placement {
  id: number;
  connection_id: number;
  cluster_id: number;
  secret_name: string;
  namespaces: string[];
  service_accounts: string[];
  copies: Copy[];
}

export interface Cluster {
  id: number;
  name: string;
  server: string;
  context: string | null;
  creation_time: string;
}

export interface Group {
  id: number;
  name: string;
  upstream: string;
  upstream_insecure: boolean;
  members: { connection_id: number; project?: string; ns_mirror?: boolean }[];
}

export interface Job {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  last_error: string | null;
}

export interface ImageDiagnosis {
  image: string;
  container?: string;
  code: string;
  ok: boolean;
  message: string;
  suggestion?: string;
  secrets_tried: string[];
  kubelet_reason?: string;
}

export interface PodDiagnosis {
  namespace: string;
  pod: string;
  service_account: string;
  ok: boolean;
  images: ImageDiagnosis[];
  events: string[];
}

/** `team` for `robot$team+k8s`: the project whose robot page lists it. */
export function robotProject(robot: string): string | null {
  return /^robot\$([^+]+)\+/.exec(robot)?.[1] ?? null;
}
