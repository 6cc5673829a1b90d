/**
 * Harbor's list conventions: `page` (from 1), `page_size` (default 10, at most
 * 100), `sort` (`field` or `-field`), `q` (`key=value,key=~fuzzy`), and the
 * answer's `X-Total-Count` and `Link` headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Slice, SortOrder } from '../../core/ports-catalog.ts';
import { badRequest } from './errors.ts';

export interface PageParams extends Slice {
  page: number;
  pageSize: number;
}

const MAX_PAGE_SIZE = 100;

function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${name} must be a positive integer`);
  return n;
}

export function pageParams(query: { page?: unknown; page_size?: unknown }): PageParams {
  const page = positiveInt(query.page, 'page', 1);
  const pageSize = Math.min(positiveInt(query.page_size, 'page_size', 10), MAX_PAGE_SIZE);
  return { page, pageSize, offset: (page - 1) * pageSize, limit: pageSize };
}

export function sortParam<F extends string>(
  value: unknown,
  allowed: readonly F[],
  fallback: SortOrder<F>,
): SortOrder<F> {
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  const descending = text.startsWith('-');
  const field = (descending ? text.slice(1) : text) as F;
  if (!allowed.includes(field)) throw badRequest(`sort must be one of ${allowed.join(', ')} (with - for descending)`);
  return { field, descending };
}

export interface QueryTerm {
  key: string;
  value: string;
  /** `key=~value`: a substring match. */
  fuzzy: boolean;
}

/** Parses Harbor's `q`: comma-separated `key=value` (exact) and `key=~value` (fuzzy) terms. */
export function queryTerms(value: unknown, allowed: readonly string[]): Map<string, QueryTerm> {
  const terms = new Map<string, QueryTerm>();
  if (value === undefined || value === '') return terms;
  for (const part of String(value).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw badRequest(`invalid query term: ${part}`);
    const key = part.slice(0, eq).trim();
    let rest = part.slice(eq + 1);
    const fuzzy = rest.startsWith('~');
    if (fuzzy) rest = rest.slice(1);
    if (!allowed.includes(key)) throw badRequest(`cannot query by ${key}; use ${allowed.join(', ')}`);
    terms.set(key, { key, value: rest.trim(), fuzzy });
  }
  return terms;
}

/** Sets `X-Total-Count` and the `Link` header with the previous and next pages. */
export function setPageHeaders(request: FastifyRequest, reply: FastifyReply, page: PageParams, total: number): void {
  reply.header('X-Total-Count', String(total));
  const url = new URL(request.url, 'http://localhost');
  const link = (p: number, rel: string) => {
    url.searchParams.set('page', String(p));
    url.searchParams.set('page_size', String(page.pageSize));
    return `<${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page.page > 1) links.push(link(page.page - 1, 'prev'));
  if (page.offset + page.limit < total) links.push(link(page.page + 1, 'next'));
  if (links.length > 0) reply.header('Link', links.join(' , '));
}
