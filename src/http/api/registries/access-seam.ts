/** Upstream registries are managed by system administrators (Harbor's rule); with authentication off, by anyone. */
import type { FastifyRequest } from 'fastify';
import { isSysadmin } from '../../../core/access/principal.ts';
import { type AccessApi, userOf } from '../access/context.ts';
import { forbidden } from '../errors.ts';

export function registriesAuthorizer(api: AccessApi): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!isSysadmin(await userOf(api, request))) throw forbidden('only system administrators manage registries');
  };
}
