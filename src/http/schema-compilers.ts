/**
 * The schema compilers (ajv with its formats, Fastify's ajv and
 * fast-json-stringify compilers): ~380 KB of bundle that no answer to
 * `GET /v2/` needs (its routes have no schema). `loadSchemaCompilers()`
 * brings this module in with `import()`, as its own bundle chunk, once the
 * server listens and before any request with a schema is let through
 * (bench/FINDINGS.md, "Start-up, session 9"); `schemaCompilers()` is what the
 * lazy compilers call, synchronously, when a schema is first compiled.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

export const compilers = { AjvCompiler, SerializerSelector, Ajv, addFormats: addFormats.default };
