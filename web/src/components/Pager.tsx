/** Page navigation for Harbor-style lists (page, page_size, X-Total-Count). */
import { setQuery } from '../router.tsx';

export const PAGE_SIZES = [10, 25, 50, 100];

export function Pager(props: { page: number; pageSize: number; total: number | null; noun: string }) {
  const { page, pageSize, total } = props;
  const pages = total === null ? page : Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = total === null ? page * pageSize : Math.min(total, page * pageSize);
  return (
    <nav className="pager" aria-label="pages">
      <span className="muted">{total === null ? '' : `${first}–${last} of ${total} ${props.noun}`}</span>
      <span className="pager-buttons">
        <button type="button" disabled={page <= 1} onClick={() => setQuery({ page: page - 1 })}>
          ‹ Prev
        </button>
        <span className="muted">
          {page} / {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => setQuery({ page: page + 1 })}>
          Next ›
        </button>
        <select
          aria-label="page size"
          value={pageSize}
          onChange={(e) => setQuery({ page_size: e.target.value, page: undefined })}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n} / page
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
