/**
 * Route schemas compiled on first use instead of at start. Fastify compiles
 * every route's validators (ajv) and response serializers
 * (fast-json-stringify) while it starts; with a schema on every route that
 * was about half of the CPU from spawn to the first answer (bench/FINDINGS.md,
 * "Start-up"). Here each compiler returns a stand-in that compiles the real
 * function the first time a request needs it, with Fastify's own compilers
 * and options, so behaviour is unchanged. `warmUp()` compiles whatever is
 * still pending in the background once the server listens, so a broken
 * schema still shows in the log at start rather than at some later request.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';
import type { compilers as Compilers } from './schema-compilers.ts';

let loaded: typeof Compilers | null = null;

/** Loads the schema compilers' module (its own bundle chunk); `serve` awaits it before letting schema'd requests in. */
export async function loadSchemaCompilers(): Promise<void> {
  loaded ??= (await import('./schema-compilers.ts')).compilers;
}

/**
 * The compilers, for a schema compiled now. Loaded by `loadSchemaCompilers()`
 * first wherever Berth builds an app; otherwise (a test's own Fastify
 * instance) Node loads the packages here, from node_modules.
 */
export function schemaCompilers(): typeof Compilers {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const ajv = require('ajv') as typeof import('ajv');
    loaded = {
      AjvCompiler: require('@fastify/ajv-compiler'),
      SerializerSelector: require('@fastify/fast-json-stringify-compiler').SerializerSelector,
      Ajv: ajv.Ajv,
      addFormats: require('ajv-formats').default,
    };
  }
  return loaded as typeof Compilers;
}

type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown };

const pending = new Set<() => void>();

function lazy(build: () => Compiled): Compiled {
  let fn: Compiled | null = null;
  const compile = () => {
    pending.delete(compile);
    fn ??= build();
    return fn;
  };
  pending.add(compile);
  const stand: Compiled = function (this: unknown, ...args: unknown[]) {
    const real = fn ?? compile();
    const result = real.apply(this, args);
    // Fastify reads a validator's errors from the function it called.
    stand.errors = real.errors;
    return result;
  };
  return stand;
}

type Builder = (externalSchemas: unknown, options: unknown) => (route: unknown) => Compiled;

/** Fastify's `schemaController` option: its default compilers, made lazy. */
export function lazySchemaController(): FastifyServerOptions['schemaController'] {
  let validators: Builder | null = null;
  let serializers: Builder | null = null;
  const lazily =
    (selector: () => Builder): Builder =>
    (externalSchemas, options) => {
      // Even the compiler (an Ajv instance with its formats) is made at the first schema compiled.
      let compiler: ((route: unknown) => Compiled) | null = null;
      return (route) =>
        lazy(() => {
          compiler ??= selector()(externalSchemas, options);
          return compiler(route);
        });
    };
  // Cast: Fastify types the compiled functions as ajv's; it only calls them and reads `errors`.
  return {
    compilersFactory: {
      buildValidator: lazily(() => (validators ??= schemaCompilers().AjvCompiler() as unknown as Builder)) as never,
      buildSerializer: lazily(
        () => (serializers ??= schemaCompilers().SerializerSelector() as unknown as Builder),
      ) as never,
    },
  };
}

/** Compiles what no request has needed yet, a few at a time between other work; errors go to `onError`. */
export function warmUp(onError: (err: unknown) => void): void {
  const step = () => {
    let n = 0;
    for (const compile of pending) {
      try {
        compile();
      } catch (err) {
        onError(err);
      }
      if (++n >= 10) break;
    }
    if (pending.size > 0) setTimeout(step, 5).unref();
  };
  setTimeout(step, 50).unref();
}
