/**
 * Renders deploy/helm/berth without Helm (which cannot be installed on the
 * machines Berth is built and tested on), for the subset of Go templates the
 * chart uses: `{{ .Values.a.b }}`, `{{ .Release.Name }}`,
 * `{{ .Release.Namespace }}`, `if`/`else`/`end` (with `not`), and the pipeline
 * functions `toYaml`, `nindent N`, `indent N`, `quote`; `{{-`/`-}}` trim
 * whitespace as in Go. Anything else in a template is an error, so the chart
 * cannot grow a construct this renderer would silently get wrong.
 *
 * It generates deploy/kustomize/base from the chart's default values, and the
 * deploy test compares the kustomize overlays with the chart rendered with
 * values.yaml and values-ha.yaml (docs/kubernetes.md, "No drift").
 *
 *   node --import tsx deploy/helm/render.ts [-f values-ha.yaml] [--write-kustomize-base]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const CHART_DIR = join(dirname(fileURLToPath(import.meta.url)), 'berth');
type Tree = Record<string, unknown>;

/** Helm's value merge: maps merge key by key, anything else replaces. */
export function mergeValues(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isMap = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isMap(b) && isMap(v) ? mergeValues(b as Tree, v as Tree) : v;
  }
  return out;
}

const truthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' ||
    (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0));

/** Helm's toYaml: keys sorted (it marshals through JSON), no trailing newline. */
const toYaml = (v: unknown) => YAML.stringify(v, { sortMapEntries: true, lineWidth: 0 }).trimEnd();

interface Context {
  Values: Tree;
  Release: { Name: string; Namespace: string };
}

function lookup(path: string, ctx: Context, where: string): unknown {
  if (!path.startsWith('.')) throw new Error(`${where}: unsupported operand "${path}"`);
  let node: unknown = ctx;
  for (const part of path.slice(1).split('.')) node = (node as Tree | undefined)?.[part];
  return node;
}

function evaluate(expr: string, ctx: Context, where: string): unknown {
  const [head, ...pipes] = expr.split('|').map((s) => s.trim());
  const words = head.split(/\s+/);
  let value: unknown;
  if (words[0] === 'toYaml' && words.length === 2) value = toYaml(lookup(words[1], ctx, where));
  else if (words[0] === 'not' && words.length === 2) value = !truthy(lookup(words[1], ctx, where));
  else if (words.length === 1) value = lookup(words[0], ctx, where);
  else throw new Error(`${where}: unsupported expression "${expr}"`);
  for (const pipe of pipes) {
    const [fn, arg] = pipe.split(/\s+/);
    const text = value === undefined || value === null ? '' : String(value);
    if (fn === 'quote') value = JSON.stringify(text);
    else if (fn === 'indent') value = text.replace(/^/gm, ' '.repeat(Number(arg)));
    else if (fn === 'nindent') value = `\n${text.replace(/^/gm, ' '.repeat(Number(arg)))}`;
    else throw new Error(`${where}: unsupported function "${fn}"`);
  }
  return value;
}

type Node = { text: string } | { expr: string } | { cond: string; then: Node[]; else: Node[] };

function parse(source: string, where: string): Node[] {
  const tokens: ({ text: string } | { action: string })[] = [];
  const re = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let text = source.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ text }, { action: m[2] });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ text: tail });
  let i = 0;
  const block = (inIf: boolean): { nodes: Node[]; end: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const t = tokens[i++];
      if ('text' in t) {
        nodes.push(t);
        continue;
      }
      const a = t.action;
      if (a.startsWith('/*')) continue;
      if (a === 'end' || a === 'else') {
        if (!inIf) throw new Error(`${where}: "${a}" without "if"`);
        return { nodes, end: a };
      }
      if (a.startsWith('if ')) {
        const then = block(true);
        const other = then.end === 'else' ? block(true) : { nodes: [], end: 'end' as const };
        if (other.end !== 'end') throw new Error(`${where}: "if ${a}" without "end"`);
        nodes.push({ cond: a.slice(3), then: then.nodes, else: other.nodes });
        continue;
      }
      nodes.push({ expr: a });
    }
    if (inIf) throw new Error(`${where}: missing "end"`);
    return { nodes, end: 'eof' };
  };
  return block(false).nodes;
}

function run(nodes: Node[], ctx: Context, where: string): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('expr' in n) out += String(evaluate(n.expr, ctx, where) ?? '');
    else out += run(truthy(evaluate(n.cond, ctx, where)) ? n.then : n.else, ctx, where);
  }
  return out;
}

export interface RenderOptions {
  valuesFiles?: string[];
  release?: { name: string; namespace: string };
}

/** The chart's templates rendered in file order, as Kubernetes objects. */
export function renderChart(options: RenderOptions = {}): Tree[] {
  let values = YAML.parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Tree;
  for (const file of options.valuesFiles ?? []) values = mergeValues(values, YAML.parse(readFileSync(file, 'utf8')) as Tree);
  const release = options.release ?? { name: 'berth', namespace: 'berth' };
  const ctx: Context = { Values: values, Release: { Name: release.name, Namespace: release.namespace } };
  const objects: Tree[] = [];
  const dir = join(CHART_DIR, 'templates');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = run(parse(readFileSync(join(dir, file), 'utf8'), file), ctx, file);
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const obj = doc.toJS() as Tree | null;
      if (obj) objects.push(obj);
    }
  }
  return objects;
}

export const toDocuments = (objects: Tree[]) => objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');

const KUSTOMIZE_BASE = join(CHART_DIR, '..', '..', 'kustomize', 'base');
export const BASE_HEADER =
  '# Generated from deploy/helm/berth with its default values by\n' +
  '# `node --import tsx deploy/helm/render.ts --write-kustomize-base`; do not edit.\n';

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '-f') files.push(args[++i]);
  if (args.includes('--write-kustomize-base')) {
    writeFileSync(join(KUSTOMIZE_BASE, 'berth.yaml'), BASE_HEADER + toDocuments(renderChart()));
  } else {
    process.stdout.write(toDocuments(renderChart({ valuesFiles: files })));
  }
}
