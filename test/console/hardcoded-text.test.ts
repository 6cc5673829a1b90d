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
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Pages and components whose owners are converting them in parallel: the lead
 * empties this list at merge time (and the test then covers every file).
 */
export const NOT_YET_CONVERTED = new Set([
  'web/src/pages/ArtifactVulnerabilities.tsx',
  'web/src/pages/MembersPage.tsx',
  'web/src/pages/NewProjectForm.tsx',
  'web/src/pages/ProjectsPage.tsx',
  'web/src/pages/RegistriesPage.tsx',
  'web/src/pages/ReplicationPage.tsx',
  'web/src/pages/RobotsPage.tsx',
  'web/src/pages/SecurityPage.tsx',
  'web/src/pages/StoragePage.tsx',
  'web/src/pages/TagHistoryPage.tsx',
  'web/src/pages/UsersPage.tsx',
  'web/src/pages/WebhooksPage.tsx',
]);

/** Words that are names or code, the same in every language. Keep it short. */
const ALLOWED = new Set(['Berth', 'Harbor', 'English', '简体中文', 'OCI', 'OIDC', 'YAML', 'JSON', 'TOML']);

/** Props a person reads (on elements and on the console's own components). */
const VISIBLE_PROPS = new Set([
  'title',
  'placeholder',
  'aria-label',
  'alt',
  'label',
  'confirmLabel',
  'copyLabel',
  'noun',
  'hint',
]);
const CODE_ELEMENTS = new Set(['code', 'pre', 'kbd', 'samp']);

const hasWords = (s: string) => /\p{L}{2,}/u.test(s) && !ALLOWED.has(s.trim());

function tagName(node: ts.Node): string | null {
  if (ts.isJsxElement(node)) return node.openingElement.tagName.getText();
  return null;
}

function insideCode(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    const name = tagName(n);
    if (name && CODE_ELEMENTS.has(name)) return true;
  }
  return false;
}

/** String literals an expression can evaluate to directly (through ?:, ||, ??, && and parentheses, template parts). */
function literalTexts(expr: ts.Expression): string[] {
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
  if (ts.isTemplateExpression(expr)) return [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)];
  if (ts.isParenthesizedExpression(expr)) return literalTexts(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...literalTexts(expr.whenTrue), ...literalTexts(expr.whenFalse)];
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken)
      return [...literalTexts(expr.left), ...literalTexts(expr.right)];
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return literalTexts(expr.right);
    if (op === ts.SyntaxKind.PlusToken) return [...literalTexts(expr.left), ...literalTexts(expr.right)];
  }
  return [];
}

export function hardCodedText(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${file}:${line + 1}: ${JSON.stringify(text.trim().replace(/\s+/g, ' '))}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasWords(node.text) && !insideCode(node)) report(node, node.text);
    if (ts.isJsxExpression(node) && node.expression && !insideCode(node)) {
      const parent = node.parent;
      const isChild = ts.isJsxElement(parent) || ts.isJsxFragment(parent);
      const isVisibleProp = ts.isJsxAttribute(parent) && VISIBLE_PROPS.has(parent.name.getText());
      if (isChild || isVisibleProp) for (const t of literalTexts(node.expression)) if (hasWords(t)) report(node, t);
    }
    if (ts.isJsxAttribute(node) && VISIBLE_PROPS.has(node.name.getText()) && node.initializer) {
      if (ts.isStringLiteral(node.initializer) && hasWords(node.initializer.text)) report(node, node.initializer.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

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
