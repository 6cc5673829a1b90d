/**
 * The disabled twin of an optional part of the API: when a feature is not
 * wired, its paths still exist and answer 501 NOT_ENABLED in Harbor's shape,
 * so a missing piece is a clear refusal, never a 404 that hides it nor a
 * route that runs without its guard. Register with the paths the feature owns.
 */
import type { FastifyInstance } from 'fastify';
import { apiErrorBody, MANAGEMENT } from './error-table.ts';
import { ErrorsBody } from './schemas.ts';

export interface NotEnabledOptions {
  /** What is missing, as the message names it: `the Kubernetes feature`. */
  feature: string;
  /** Path prefixes the feature owns, e.g. `/kube`. */
  paths: string[];
}

export async function notEnabledRoutes(app: FastifyInstance, options: NotEnabledOptions): Promise<void> {
  const answer = async (_request: unknown, reply: { status(n: number): { send(b: unknown): unknown } }) =>
    reply
      .status(MANAGEMENT.NOT_ENABLED)
      .send(apiErrorBody('NOT_ENABLED', `${options.feature} is not enabled on this server`));
  const schema = {
    tags: ['not enabled'],
    summary: `${options.feature}: not enabled on this server`,
    response: { [MANAGEMENT.NOT_ENABLED]: ErrorsBody },
  };
  const method = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  for (const path of options.paths) {
    app.route({ method, url: path, schema, exposeHeadRoute: false, handler: answer });
    app.route({ method, url: `${path}/*`, schema, exposeHeadRoute: false, handler: answer });
  }
}

/** An authorizer for a wired identity module that was not handed one: it refuses. */
export function refuseAll(what: string): () => Promise<never> {
  return async () => {
    const err = new Error(`${what}: no authorizer is wired, so nothing is allowed`) as Error & {
      statusCode: number;
    };
    err.statusCode = MANAGEMENT.FORBIDDEN;
    throw err;
  };
}
