/**
 * Reads Harbor's v2.0 definition (swagger 2.0) and Berth's OpenAPI document
 * into comparable operations: path template with parameter names, query
 * parameter names, request body field names, success response field names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/**
 * Harbor's API definition, from the team's shared folder beside the checkout
 * (not vendored: it is Harbor's text). HARBOR_SWAGGER names another copy;
 * null when none is found (the contract tests then say so and skip).
 */
export const HARBOR_SWAGGER: string | null =
  [
    process.env.HARBOR_SWAGGER,
    fileURLToPath(new URL('../../../../shared/ref/harbor-api-v2.0.swagger.yaml', import.meta.url)),
    '/work/shared/ref/harbor-api-v2.0.swagger.yaml',
  ].find((p): p is string => typeof p === 'string' && existsSync(p)) ?? null;

// biome-ignore lint/suspicious/noExplicitAny: walking two foreign documents of any shape
type Json = Record<string, any>;

export interface Operation {
  path: string;
  method: string;
  pathParams: string[];
  query: string[];
  body: string[];
  response: string[];
}

/** `/projects/{}/repositories` for `/projects/{project_name}/repositories`. */
export const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

function fieldsOf(schema: Json | undefined, resolve: (ref: string) => Json): string[] {
  if (!schema) return [];
  if (schema.$ref) return fieldsOf(resolve(schema.$ref), resolve);
  if (schema.type === 'array' || schema.items) return fieldsOf(schema.items, resolve);
  if (schema.allOf) return schema.allOf.flatMap((s: Json) => fieldsOf(s, resolve));
  if (schema.anyOf) return schema.anyOf.flatMap((s: Json) => fieldsOf(s, resolve));
  return Object.keys(schema.properties ?? {});
}

export function harborOperations(): Operation[] {
  if (!HARBOR_SWAGGER) return [];
  const doc = YAML.parse(readFileSync(HARBOR_SWAGGER, 'utf8')) as Json;
  const resolve = (ref: string) =>
    ref
      .split('/')
      .slice(1)
      .reduce((node: Json, key) => node[key], doc);
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(ops as Json)) {
      if (method === 'parameters') continue;
      const params = [...((ops as Json).parameters ?? []), ...((op as Json).parameters ?? [])].map((p: Json) =>
        p.$ref ? resolve(p.$ref) : p,
      );
      const body = params.find((p) => p.in === 'body');
      const ok = (op as Json).responses?.['200'] ?? (op as Json).responses?.['201'];
      out.push({
        path,
        method,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: fieldsOf(body?.schema, resolve),
        response: fieldsOf(ok?.schema, resolve),
      });
    }
  }
  return out;
}

export function berthOperations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(ops as Json)) {
      const params = ((op as Json).parameters ?? []) as Json[];
      const ok = (op as Json).responses?.['200'] ?? (op as Json).responses?.['201'];
      const resolve = () => ({});
      out.push({
        path,
        method,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: fieldsOf((op as Json).requestBody?.content?.['application/json']?.schema, resolve),
        response: fieldsOf(ok?.content?.['application/json']?.schema, resolve),
      });
    }
  }
  return out;
}
