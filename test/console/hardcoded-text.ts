/**
 * Finds hard-coded user-visible text in a TSX file with TypeScript's compiler
 * API: JSX text with letters, string literals shown as JSX children, and string
 * literals in props a person reads (title, placeholder, aria-label, alt,
 * label…). Text inside <code>/<pre>/<kbd>/<samp> is code, not words.
 */
import ts from 'typescript';

/** Words that are names or code, the same in every language. Keep it short. */
const ALLOWED = new Set([
  'Berth',
  'Harbor',
  'English',
  '简体中文',
  'OCI',
  'OIDC',
  'YAML',
  'JSON',
  'TOML',
  'PEM',
  'Kubernetes',
  'kubeconfig',
  'kubelet',
  'containerd',
  'registries.conf',
  'default',
  'default, builder',
  'current-context',
  'apiVersion: v1&#10;kind: Config&#10;clusters: …',
  '-----BEGIN PUBLIC KEY-----',
]);

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

/** Text with a word in it that is not an allowed name (symbols around a name, as in `· kubelet:`, are ignored). */
const hasWords = (s: string) =>
  /\p{L}{2,}/u.test(s) &&
  // An example address in a placeholder is the same in every language.
  !/^https?:\/\/\S+$/.test(s.trim()) &&
  !ALLOWED.has(s.trim()) &&
  !ALLOWED.has(s.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, ''));

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
