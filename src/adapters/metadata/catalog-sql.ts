/**
 * SQL pieces shared by the catalog queries, portable to SQLite and
 * PostgreSQL: LIKE with an explicit escape, the "top-level artifact" test,
 * bounded IN lists.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from './schema.ts';

/** The store's tables plus the columns and tables only the read side and the counters use. */
export interface CatalogDatabase extends Database {
  traffic_daily: { day: string; pushes: number; pulls: number };
  repositories: Database['repositories'] & { pull_count: number };
  manifests: Database['manifests'] & { pulled_at: string | null };
}

export type ManifestScope = ExpressionBuilder<CatalogDatabase & { m: Database['manifests'] }, 'm'>;

/** Escapes LIKE wildcards; every pattern here is used with `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const like = (column: string, pattern: string) => sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '\\'`;
export const likeLower = (column: string, pattern: string) =>
  sql<boolean>`LOWER(${sql.ref(column)}) LIKE ${pattern.toLowerCase()} ESCAPE '\\'`;

/** Repositories of a project: `project/…`, and a top-level repository named like the project. */
export function inProject(column: string, project: string) {
  return sql<boolean>`(${sql.ref(column)} = ${project} OR ${like(column, `${escapeLike(project)}/%`)})`;
}

/**
 * Repositories of any of `projects` (their first path segment is one of the
 * names). Portable: no dialect's split function; the names are grouped by
 * length so that `SUBSTR(name, 1, length + 1)` compares against `project/`.
 * An empty list matches nothing.
 */
export function inProjects(column: string, projects: readonly string[]) {
  const names = [...new Set(projects)];
  if (names.length === 0) return sql<boolean>`1 = 0`;
  const ref = sql.ref(column);
  const byLength = new Map<number, string[]>();
  for (const name of names) byLength.set(name.length, [...(byLength.get(name.length) ?? []), `${name}/`]);
  const tests = chunks(names).map((chunk) => sql<boolean>`${ref} IN (${sql.join(chunk)})`);
  for (const [length, prefixes] of byLength) {
    for (const chunk of chunks(prefixes)) {
      tests.push(sql<boolean>`SUBSTR(${ref}, 1, ${sql.lit(length + 1)}) IN (${sql.join(chunk)})`);
    }
  }
  return sql<boolean>`(${sql.join(tests, sql` OR `)})`;
}

/**
 * Manifests that are artifacts of their own: not a referrer, and either
 * tagged or not a child of an index (an index's untagged platform images are
 * shown inside the index).
 */
export function topLevel(eb: ManifestScope) {
  return eb.and([
    eb('m.subject', 'is', null),
    eb.or([
      eb.not(
        eb.exists(
          eb
            .selectFrom('manifest_references as mr')
            .select(sql.lit(1).as('one'))
            .whereRef('mr.repository', '=', 'm.repository')
            .whereRef('mr.child', '=', 'm.digest')
            .where('mr.kind', '=', 'manifest'),
        ),
      ),
      eb.exists(
        eb
          .selectFrom('tags as tt')
          .select(sql.lit(1).as('one'))
          .whereRef('tt.repository', '=', 'm.repository')
          .whereRef('tt.digest', '=', 'm.digest'),
      ),
    ]),
  ]);
}

/** Keeps IN lists well under every dialect's bound-parameter limit. */
export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
