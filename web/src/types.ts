/** The API shapes the artifact pages read (Harbor's Artifact plus Berth's additions). */

export interface Tag {
  name: string;
  push_time: string;
  immutable?: boolean;
}

export interface Platform {
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface Reference {
  child_digest: string;
  media_type?: string;
  size?: number;
  platform: Platform | null;
  annotations?: Record<string, string>;
}

export interface Layer {
  media_type: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface Accessory {
  digest: string;
  type: string;
  artifact_type: string | null;
  media_type: string;
  size: number;
  creation_time: string;
  annotations?: Record<string, string>;
  /** Signatures only: whether one verifies with a trusted key, and how. */
  signed?: boolean;
  signature?: { format: string; tag_scheme: boolean; key: string | null; fingerprint: string | null; errors: string[] };
}

export interface Artifact {
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string;
  repository_name: string;
  digest: string;
  size: number;
  push_time: string;
  annotations: Record<string, string>;
  references: Reference[];
  tags: Tag[];
  tag_count: number;
  referrer_count: number;
  subject_digest: string | null;
  extra_attrs?: {
    architecture?: string;
    os?: string;
    variant?: string;
    created?: string;
    author?: string;
    config?: {
      Labels?: Record<string, string>;
      Env?: string[];
      Cmd?: string[];
      Entrypoint?: string[];
      WorkingDir?: string;
      User?: string;
      ExposedPorts?: Record<string, unknown>;
    };
  };
  config?: { media_type: string; digest: string; size: number } | null;
  layers?: Layer[];
  history?: HistoryEntry[];
  accessories?: Accessory[];
}
