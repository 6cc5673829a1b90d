/**
 * The one read other features use to filter by label (retention, replication):
 * every label an artifact carries, by name — Harbor labels attached to it and
 * labels Berth derived from its content (`os:debian-12`, `has-shell`, …).
 */
import type { LabelStore } from './store.ts';

export interface ArtifactLabel {
  name: string;
  /** True for a label read from the content by the scanner (refreshed on rescan). */
  derived: boolean;
  /** The Harbor label's id; null for a derived label. */
  id: number | null;
  /** `g` global, `p` the artifact's project, `derived` from the content. */
  scope: 'g' | 'p' | 'derived';
}

export interface LabelReader {
  /** Harbor labels first (by name), then derived ones; a name may appear in both lists. */
  labelsOf(artifact: { repository: string; digest: string }): Promise<ArtifactLabel[]>;
  /** The names only (what a filter pattern is matched against). */
  labelNamesOf(artifact: { repository: string; digest: string }): Promise<string[]>;
}

/** A LabelReader over the label store and the scanner's derived labels (absent: none). */
export function labelReader(store: LabelStore, derived?: (digest: string) => Promise<string[]>): LabelReader {
  const labelsOf = async (artifact: { repository: string; digest: string }): Promise<ArtifactLabel[]> => {
    const attached = (await store.attached(artifact.repository, [artifact.digest])).get(artifact.digest) ?? [];
    const fromContent = derived ? await derived(artifact.digest) : [];
    return [
      ...attached.map((l) => ({ name: l.name, derived: false, id: l.id, scope: l.scope })),
      ...fromContent.map((name) => ({ name, derived: true, id: null, scope: 'derived' as const })),
    ];
  };
  return {
    labelsOf,
    labelNamesOf: async (artifact) => [...new Set((await labelsOf(artifact)).map((l) => l.name))],
  };
}
