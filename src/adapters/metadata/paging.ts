/**
 * OFFSET and LIMIT as both databases take them. A page far beyond any data
 * (`page=1e20`) makes an offset that is not a 64-bit integer: SQLite refuses
 * it (datatype mismatch) and PostgreSQL too (bigint out of range). Past 2^40
 * rows there is nothing anyway, so the window is clamped there: an empty page.
 */
const FAR = 2 ** 40;

export const safeOffset = (offset: number): number =>
  Number.isFinite(offset) && offset > 0 ? Math.min(Math.floor(offset), FAR) : 0;

export const safeLimit = (limit: number): number =>
  Number.isFinite(limit) && limit > 0 ? Math.min(Math.floor(limit), FAR) : 0;
