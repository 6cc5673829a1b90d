/** Table types shared by the SQLite and PostgreSQL stores. */
export interface Database {
  repositories: { name: string; created_at: string };
  blobs: { digest: string; size: number; created_at: string };
  repository_blobs: { repository: string; digest: string; created_at: string };
  manifests: {
    repository: string;
    digest: string;
    media_type: string;
    size: number;
    artifact_type: string | null;
    subject: string | null;
    config_digest: string | null;
    annotations: string | null;
    created_at: string;
  };
  manifest_references: { repository: string; manifest: string; child: string; kind: string };
  tags: { repository: string; name: string; digest: string; updated_at: string };
  uploads: { id: string; repository: string; size: number; state: string; created_at: string; updated_at: string };
  jobs: {
    id: string;
    kind: string;
    payload: string;
    status: string;
    attempts: number;
    max_attempts: number;
    run_at: string;
    owner: string | null;
    lease_until: string | null;
    last_error: string | null;
    created_at: string;
    updated_at: string;
  };
}
