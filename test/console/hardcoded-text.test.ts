/**
 * No page or component shows hard-coded English: user-visible text comes from
 * a catalog (`messages(en, zh)` + `useT`) so the console reads the same in
 * Simplified Chinese. Parses each TSX file with TypeScript's compiler API and
 * reports JSX text with letters, string literals shown as JSX children, and
 * string literals in props a person reads (title, placeholder, aria-label,
 * alt, label…). Text inside <code>/<pre>/<kbd>/<samp> is code, not words.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hardCodedText } from './hardcoded-text.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Pages and components whose owners are converting them in parallel: the lead
 * empties this list at merge time (and the test then covers every file).
 */
export const NOT_YET_CONVERTED = new Set<string>([]);

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsxFiles(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : [],
  );
}

const FILES = [
  ...tsxFiles(join(ROOT, 'web/src/pages')),
  ...tsxFiles(join(ROOT, 'web/src/components')),
  join(ROOT, 'web/src/App.tsx'),
].map((f) => relative(ROOT, f));

describe('console text comes from catalogs', () => {
  test('the checker finds what it should', () => {
    const sample = `const A = () => <div title="Open it" aria-label={'menu'}><p>Hello {x ? 'Yes' : '—'}</p><code>podman pull x</code><span>→</span></div>;`;
    assert.deepEqual(
      hardCodedText('x.tsx', sample).map((l) => l.split(': ')[1]),
      ['"Open it"', '"menu"', '"Hello"', '"Yes"'],
    );
  });

  for (const file of FILES.filter((f) => !NOT_YET_CONVERTED.has(f))) {
    test(file, () => {
      const found = hardCodedText(file, readFileSync(join(ROOT, file), 'utf8'));
      assert.deepEqual(found, [], `hard-coded text (move it to the file's catalog):\n${found.join('\n')}`);
    });
  }

  test('the not-yet-converted list names only files that exist', () => {
    for (const file of NOT_YET_CONVERTED) assert.ok(FILES.includes(file), `${file} is gone: remove it from the list`);
  });
});
