/** Harbor's user-defined labels: global (`g`) or of one project (`p`), attached to artifacts by digest. */
export type LabelScope = 'g' | 'p';

export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: LabelScope;
  /** 0 for global labels. */
  projectId: number;
  createdAt: string;
  updatedAt: string;
}

export type LabelInput = Pick<Label, 'name' | 'description' | 'color' | 'scope' | 'projectId'>;

export interface LabelStore {
  /** Null when a label of that name already exists in the scope. */
  create(input: LabelInput): Promise<Label | null>;
  get(id: number): Promise<Label | null>;
  list(filter: { scope: LabelScope; projectId: number; name?: string; offset: number; limit: number }): Promise<{
    items: Label[];
    total: number;
  }>;
  /** False when the new name is taken in the scope. */
  update(id: number, patch: Partial<Pick<Label, 'name' | 'description' | 'color'>>): Promise<boolean>;
  /** Detaches it from every artifact too. */
  remove(id: number): Promise<void>;
  /** False when it was already attached. */
  attach(repository: string, digest: string, labelId: number): Promise<boolean>;
  /** False when it was not attached. */
  detach(repository: string, digest: string, labelId: number): Promise<boolean>;
  /** Labels attached to each digest of a repository. */
  attached(repository: string, digests: string[]): Promise<Map<string, Label[]>>;
  /** Digests of a repository carrying all (`every`) or any of the labels. */
  digestsWith(repository: string, labelIds: number[], every: boolean): Promise<Set<string>>;
}
