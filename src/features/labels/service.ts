/**
 * Labels' use cases, once: create, change and delete a label, attach and
 * detach it on an artifact, with the rules that hold whoever asks (a name
 * unique in its scope, Harbor's colours, a project label only on that
 * project's artifacts). The management API (src/http/api/labels/plugin.ts)
 * calls these; who may do it is the caller's business (the API checks roles).
 * Refusals name the field at fault and read the same from any caller.
 */
import { Refusal } from '../../core/access/refusal.ts';
import type { Label, LabelScope, LabelStore } from './store.ts';

/** Harbor's colours: empty, #RGB or #RRGGBB. */
const COLOR = /^(#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?)?$/;

export interface LabelDraft {
  name?: string;
  description?: string;
  color?: string;
  /** Absent: global (`g`). */
  scope?: LabelScope;
  /** The project of a `p` label. */
  projectId?: number;
}

export type LabelPatch = Partial<Pick<Label, 'name' | 'description' | 'color'>>;

/** An artifact as labels see it: its repository, digest and the project it is in (null: none). */
export interface LabelledArtifact {
  repository: string;
  digest: string;
  projectId: number | null;
}

function checkColor(color: string | undefined): void {
  if (color !== undefined && !COLOR.test(color)) throw new Refusal('invalid', 'color must be #RGB or #RRGGBB', 'color');
}

export class LabelService {
  constructor(private readonly store: LabelStore) {}

  /** The label, or a refusal naming it (404). */
  async get(id: number): Promise<Label> {
    const label = await this.store.get(id);
    if (!label) throw new Refusal('notFound', `label ${id} does not exist`);
    return label;
  }

  list(filter: Parameters<LabelStore['list']>[0]): ReturnType<LabelStore['list']> {
    return this.store.list(filter);
  }

  /** The label a draft describes, checked but not stored (the caller checks who may make it first). */
  draft(draft: LabelDraft): Pick<Label, 'name' | 'description' | 'color' | 'scope' | 'projectId'> {
    if (!draft.name) throw new Refusal('invalid', 'name is required', 'name');
    const scope = draft.scope ?? 'g';
    if (scope === 'p' && !draft.projectId)
      throw new Refusal('invalid', 'project_id is required with scope p', 'project_id');
    checkColor(draft.color);
    return {
      name: draft.name,
      description: draft.description ?? '',
      color: draft.color ?? '',
      scope,
      projectId: scope === 'p' ? (draft.projectId ?? 0) : 0,
    };
  }

  async create(draft: LabelDraft): Promise<Label> {
    const input = this.draft(draft);
    const created = await this.store.create(input);
    if (!created) throw new Refusal('conflict', `a label named ${input.name} already exists in this scope`);
    return created;
  }

  async update(label: Label, patch: LabelPatch): Promise<void> {
    checkColor(patch.color);
    const { name, description, color } = patch;
    if (!(await this.store.update(label.id, { name, description, color })))
      throw new Refusal('conflict', `a label named ${name} already exists in this scope`);
  }

  /** Deletes it and takes it off every artifact. */
  remove(label: Label): Promise<void> {
    return this.store.remove(label.id);
  }

  /** Attaches label `id`: global, or of the artifact's project. */
  async attach(artifact: LabelledArtifact, id: number): Promise<Label> {
    const label = await this.get(id);
    if (label.scope === 'p' && artifact.projectId !== label.projectId)
      throw new Refusal('invalid', `label ${id} belongs to another project`, 'id');
    if (!(await this.store.attach(artifact.repository, artifact.digest, label.id)))
      throw new Refusal('conflict', `label ${label.id} is already on this artifact`);
    return label;
  }

  async detach(artifact: Pick<LabelledArtifact, 'repository' | 'digest'>, id: number): Promise<void> {
    if (!(await this.store.detach(artifact.repository, artifact.digest, id)))
      throw new Refusal('notFound', `label ${id} is not on this artifact`);
  }

  /** Labels attached to each digest of a repository (artifact views). */
  attached(repository: string, digests: string[]): Promise<Map<string, Label[]>> {
    return this.store.attached(repository, digests);
  }

  /** Digests carrying all (`every`) or any of the labels (`q=labels=…`). */
  digestsWith(repository: string, ids: number[], every: boolean): Promise<Set<string>> {
    return this.store.digestsWith(repository, ids, every);
  }
}
