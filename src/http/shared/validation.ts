/**
 * Schema validation for every route with a schema (TypeBox or plain JSON
 * Schema) and the error handlers that turn a failed check into a 400 naming
 * the field: Harbor's shape on /api/v2.0, OCI's on /v2. Plugins registered
 * inside the API plugin inherit both, so a feature's routes get them without
 * a line of their own.
 *
 * Two Ajv instances: path, query and headers arrive as text and are coerced
 * ("5" -> 5); JSON bodies are not, so `{"duration":"5"}` is a 400, not a
 * silent conversion.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { schemaCompilers } from '../lazy-schemas.ts';
import { apiErrorBody, MANAGEMENT, ociErrorBody } from './error-table.ts';

function ajv(coerce: boolean) {
  // ajv is loaded with the other schema compilers, after start (http/schema-compilers.ts).
  const { Ajv, addFormats } = schemaCompilers();
  const instance = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(instance);
  return instance;
}

// Made on first use, and each route's check compiled on its first request: start-up does not pay for
// compiling ~200 schemas (about a second on a busy 2-core machine) that a short-lived process never uses.
let textParts: ReturnType<typeof ajv> | undefined;
let bodies: ReturnType<typeof ajv> | undefined;
function compilerFor(httpPart: string | undefined) {
  if (httpPart === 'body') {
    bodies ??= ajv(false);
    return bodies;
  }
  textParts ??= ajv(true);
  return textParts;
}

const NOT_BYTES: ErrorObject = {
  instancePath: '',
  schemaPath: '#/x-body',
  keyword: 'type',
  params: {},
  message: 'must be the bytes of the upload',
};

/** Installs the validator compiler on `app` (and so on every plugin registered inside it). */
export function installSchemaValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const upload = (schema as { 'x-body'?: string })['x-body'];
    // Left unread by its parser: the handler streams it (and answers what is wrong with its content).
    if (upload === 'stream') return () => ({});
    if (upload === 'bytes')
      return (data: unknown) => (Buffer.isBuffer(data) ? { value: data } : { error: [NOT_BYTES] });
    let check: ValidateFunction | undefined;
    // An absent body is checked (and handed on) as `{}`: required fields are named, handlers get an object.
    const absent = httpPart === 'body' ? {} : null;
    return (data: unknown) => {
      check ??= compilerFor(httpPart).compile(schema as object);
      const value = data ?? absent;
      return check(value) ? { value } : { error: check.errors ?? [] };
    };
  });
  // Responses are documented and typed by their schemas but sent as the handler built them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

export interface ValidationProblem {
  /** `page`, `robot.name`, `permissions[0].namespace`; empty for the whole input. */
  field: string;
  message: string;
}

/** The first failed check of a Fastify validation error, with the field named as a client spells it. */
export function validationProblem(err: FastifyError): ValidationProblem | null {
  const failures = (err as { validation?: ErrorObject[] }).validation;
  if (!failures || failures.length === 0) return null;
  const first = failures[0];
  let field = first.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  if (extra) field = field ? `${field}.${extra}` : extra;
  const where = (err as { validationContext?: string }).validationContext;
  const what = field || (where === 'body' ? 'the request body' : (where ?? 'the request'));
  // `field: problem`, as the feature services word theirs.
  const message =
    first.keyword === 'required'
      ? `${what}: is required`
      : first.keyword === 'additionalProperties'
        ? `${what}: is not a known field`
        : `${what}: ${first.message ?? 'is invalid'}`;
  return { field, message };
}

/** Error handler of the management API: Harbor's body for every error, 400 naming the field for bad input. */
export function apiErrorHandler(
  known: (err: unknown) => { status: number; code: string; message: string; field?: string; headers?: object } | null,
  onUnexpected?: (err: unknown) => void,
) {
  return (err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    const problem = validationProblem(err);
    if (problem)
      return reply
        .status(MANAGEMENT.BAD_REQUEST)
        .send(apiErrorBody('BAD_REQUEST', problem.message, problem.field || undefined));
    const mapped = known(err);
    if (mapped)
      return reply
        .headers(mapped.headers ?? {})
        .status(mapped.status)
        .send(apiErrorBody(mapped.code, mapped.message, mapped.field));
    const status = err.statusCode;
    if (status && status >= 400 && status < 500) {
      const code = status === MANAGEMENT.PAYLOAD_TOO_LARGE ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      return reply.status(status).send(apiErrorBody(code, err.message));
    }
    onUnexpected?.(err);
    return reply.status(500).send(apiErrorBody('INTERNAL_SERVER_ERROR', 'internal server error'));
  };
}

/** Error handler for Fastify-level failures on /v2 routes with schemas: OCI's body. */
export function ociValidationHandler(onUnexpected?: (err: unknown) => void) {
  return (err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    const problem = validationProblem(err);
    if (problem)
      return reply
        .status(400)
        .type('application/json')
        .send(ociErrorBody('UNSUPPORTED', problem.message, { field: problem.field }));
    if (err.statusCode && err.statusCode < 500)
      return reply.status(err.statusCode).type('application/json').send(ociErrorBody('UNSUPPORTED', err.message));
    onUnexpected?.(err);
    return reply.status(500).type('application/json').send(ociErrorBody('UNKNOWN', 'internal server error'));
  };
}
