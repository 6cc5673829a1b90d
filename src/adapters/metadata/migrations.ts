/**
 * One migration set for every dialect. Text keys sort bytewise on both
 * (PostgreSQL is told `COLLATE "C"`) so tag and catalog pages agree.
 */

import { type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { catalogMigration } from './migration-catalog.ts';
import { kubeTestsMigration } from './migration-kube-tests.ts';
import { accessMigration } from './migrations-access.ts';
import { auditLoginRowsMigration } from './migrations-audit-logins.ts';
import { jobsMigration } from './migrations-jobs.ts';
import { kubeMigration } from './migrations-kube.ts';
import { dropScanPullsMigration, labelsMigration, scanPullsMigration } from './migrations-labels.ts';
import { lifecycleMigration } from './migrations-lifecycle.ts';
import { proxyFillsMigration, proxyProjectsMigration } from './migrations-proxy.ts';
import { pullsMigration } from './migrations-pulls.ts';
import { registriesMigration } from './migrations-registries.ts';
import { replicationMigration } from './migrations-replication.ts';
import { retentionMigration } from './migrations-retention.ts';
import { retentionResumeMigration } from './migrations-retention-resume.ts';
import { robotOverlapMigration } from './migrations-robot-overlap.ts';
import { scanMigration } from './migrations-scan.ts';
import { scannersMigration } from './migrations-scanners.ts';
import { signingMigration } from './migrations-signing.ts';
import { webhooksMigration } from './migrations-webhooks.ts';
import { sessionsMigration } from './sessions-store.ts';
import { settingsMigration } from './settings-store.ts';

export type Dialect = 'sqlite' | 'postgres';

function keyColumn(dialect: Dialect) {
  return (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
}

function initial(dialect: Dialect): Migration {
  const key = keyColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('repositories')
        .addColumn('name', 'text', (c) => key(c).primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('blobs')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('repository_blobs')
        .addColumn('repository', 'text', key)
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();
      await db.schema
        .createTable('manifests')
        .addColumn('repository', 'text', key)
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('subject', 'text')
        .addColumn('config_digest', 'text')
        .addColumn('annotations', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('manifests_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('manifests_subject').on('manifests').columns(['repository', 'subject']).execute();
      await db.schema
        .createTable('manifest_references')
        .addColumn('repository', 'text', key)
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('child', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('manifest_references_pk', ['repository', 'manifest', 'child'])
        .execute();
      await db.schema
        .createIndex('manifest_references_child')
        .on('manifest_references')
        .columns(['repository', 'child'])
        .execute();
      await db.schema
        .createTable('tags')
        .addColumn('repository', 'text', key)
        .addColumn('name', 'text', key)
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
        .execute();
      await db.schema.createIndex('tags_digest').on('tags').columns(['repository', 'digest']).execute();
      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/** Migrations by name, in order. Later features append theirs here. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_registry': initial(dialect),
    '0002_jobs': jobsMigration,
    '0003_access': accessMigration(dialect),
    '0004_kube': kubeMigration(dialect),
    '0009_console_catalog': catalogMigration(),
    '0010_kube_connection_tests': kubeTestsMigration(),
    '0011_pull_counts': pullsMigration,
    '0300_signing': signingMigration(dialect),
    '0400_console_sessions': sessionsMigration,
    '0410_settings': settingsMigration,
    '0411_robot_secret_overlap': robotOverlapMigration,
    '0100_lifecycle': lifecycleMigration(dialect),
    '0110_retention': retentionMigration(dialect),
    '0120_retention_resume': retentionResumeMigration(),
    '0200_registries': registriesMigration(dialect),
    '0201_proxy_projects': proxyProjectsMigration(dialect),
    '0210_proxy_fills': proxyFillsMigration(dialect),
    '0250_webhooks': webhooksMigration(dialect),
    '0251_replication': replicationMigration(dialect),
    '0350_scan': scanMigration(dialect),
    '0351_labels': labelsMigration(dialect),
    '0352_scan_pulls': scanPullsMigration(dialect),
    '0360_scanners': scannersMigration(dialect),
    '0361_drop_scan_pulls': dropScanPullsMigration(dialect),
    '0430_audit_login_rows': auditLoginRowsMigration,
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
