/** System settings and repository descriptions in the metadata database (migration `0410_settings`). */
import type { Kysely, Migration } from 'kysely';
import type { SettingsStore } from '../../features/settings/store.ts';

interface SettingsTables {
  system_settings: { key: string; value: string; updated_at: string };
  repository_descriptions: { repository: string; description: string; updated_at: string };
}

export const settingsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('system_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('repository_descriptions')
      .addColumn('repository', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('repository_descriptions').execute();
    await db.schema.dropTable('system_settings').execute();
  },
};

export class KyselySettingsStore implements SettingsStore {
  private constructor(private readonly db: Kysely<SettingsTables>) {}

  static over<DB>(db: Kysely<DB>): KyselySettingsStore {
    // Same connection pool; only the table types differ.
    return new KyselySettingsStore(db as unknown as Kysely<SettingsTables>);
  }

  async allSettings(): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom('system_settings').select(['key', 'value']).execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async putSettings(values: Record<string, string>): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      for (const [key, value] of Object.entries(values))
        await tx
          .insertInto('system_settings')
          .values({ key, value, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
          .execute();
    });
  }

  async description(repository: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('repository_descriptions')
      .select('description')
      .where('repository', '=', repository)
      .executeTakeFirst();
    return row?.description ?? null;
  }

  async setDescription(repository: string, text: string): Promise<void> {
    if (!text) {
      await this.db.deleteFrom('repository_descriptions').where('repository', '=', repository).execute();
      return;
    }
    const now = new Date().toISOString();
    await this.db
      .insertInto('repository_descriptions')
      .values({ repository, description: text, updated_at: now })
      .onConflict((oc) => oc.column('repository').doUpdateSet({ description: text, updated_at: now }))
      .execute();
  }
}
