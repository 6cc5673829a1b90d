/**
 * The settings port: system settings an administrator changes at run time
 * (Harbor's /configurations) and repository descriptions (Harbor's
 * repository `description`), both small texts kept in the metadata database.
 */
export interface SettingsStore {
  /** Every stored system setting, by key (values as text). */
  allSettings(): Promise<Record<string, string>>;
  /** Writes the given keys in one transaction. */
  putSettings(values: Record<string, string>): Promise<void>;
  /** The repository's description; null when none was written. */
  description(repository: string): Promise<string | null>;
  /** Writes (or with an empty text, removes) a repository's description. */
  setDescription(repository: string, text: string): Promise<void>;
}
