/** Page navigation for Harbor-style lists (page, page_size, X-Total-Count). */

import { messages, useT } from '../i18n/index.ts';
import { setQuery } from '../router.tsx';

const text = messages(
  {
    pages: 'pages',
    range: '{first}–{last} of {total} {noun}',
    prev: '‹ Prev',
    next: 'Next ›',
    pageSize: 'page size',
    perPage: '{n} / page',
  },
  {
    pages: '分页',
    range: '第 {first}–{last} 条，共 {total} 个{noun}',
    prev: '‹ 上一页',
    next: '下一页 ›',
    pageSize: '每页条数',
    perPage: '{n} 条/页',
  },
);

export const PAGE_SIZES = [10, 25, 50, 100];

export function Pager(props: { page: number; pageSize: number; total: number | null; noun: string }) {
  const t = useT(text);
  const { page, pageSize, total } = props;
  const pages = total === null ? page : Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = total === null ? page * pageSize : Math.min(total, page * pageSize);
  return (
    <nav className="pager" aria-label={t('pages')}>
      <span className="muted">{total === null ? '' : t('range', { first, last, total, noun: props.noun })}</span>
      <span className="pager-buttons">
        <button type="button" disabled={page <= 1} onClick={() => setQuery({ page: page - 1 })}>
          {t('prev')}
        </button>
        <span className="muted">
          {page} / {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => setQuery({ page: page + 1 })}>
          {t('next')}
        </button>
        <select
          aria-label={t('pageSize')}
          value={pageSize}
          onChange={(e) => setQuery({ page_size: e.target.value, page: undefined })}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {t('perPage', { n })}
            </option>
          ))}
        </select>
      </span>
    </nav>
  );
}

/** Reads page, page_size from the URL. */
export function pageFrom(search: URLSearchParams): { page: number; pageSize: number } {
  const page = Math.max(1, Number(search.get('page')) || 1);
  const size = Number(search.get('page_size'));
  return { page, pageSize: PAGE_SIZES.includes(size) ? size : 25 };
}
