/** /users in Harbor's shapes; passwords are hashed with scrypt and never returned. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { verifySecret } from '../../../core/access/passwords.ts';
import type { UserRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import { UserService } from '../../../core/access/user-service.ts';
import { doc, Empty, NoBody, typed } from '../../shared/schemas.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { type AccessApi, addressOf, paged, sliceOf, sysadminOf, userOf } from './context.ts';
import {
  OIDCCliSecretReq,
  PasswordReq,
  RobotSec,
  UserCreationReq,
  UserId,
  UserListQuery,
  UserProfile,
  UserResp,
  UserSysAdminFlag,
} from './schemas.ts';

export function userView(u: UserRecord) {
  return {
    user_id: u.id,
    username: u.username,
    email: u.email,
    realname: u.realname,
    comment: u.comment,
    sysadmin_flag: u.sysadmin,
    admin_role_in_auth: false,
    creation_time: u.createdAt,
    update_time: u.updatedAt,
    ...(u.source !== 'local' ? { auth_source: u.source } : {}),
  };
}

export async function userRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const done = { 200: Empty };
  const store = api.access.store;
  const users = new UserService(api.access);
  const actor = (request: FastifyRequest, who: Principal) => ({
    name: who.kind === 'anonymous' ? 'anonymous' : who.name,
    address: addressOf(request),
  });

  const target = async (request: FastifyRequest) => {
    const id = (request.params as { user_id: number }).user_id;
    const user = await store.userById(id);
    if (!user) throw notFound(`user ${id} not found`);
    return user;
  };

  /** Self or a system administrator. */
  const selfOrAdmin = async (request: FastifyRequest, user: UserRecord) => {
    const who = await userOf(api, request);
    const admin = who.kind === 'user' && who.sysadmin;
    if (!admin && !(who.kind === 'user' && who.id === user.id)) throw forbidden('not allowed');
    return { who, admin };
  };

  const list = {
    ...doc('users', 'Users (system administrators)'),
    querystring: UserListQuery,
    response: { 200: Type.Array(UserResp) },
  };
  app.get('/users', { schema: list }, async (request, reply) => {
    await sysadminOf(api, request);
    const slice = sliceOf(request);
    const q = request.query;
    const { items, total } = await store.listUsers({ ...slice, username: q.username });
    return paged(request, reply, slice, total, items.map(userView));
  });

  const current = { ...doc('users', 'The signed-in user'), response: { 200: UserResp } };
  app.get('/users/current', { schema: current }, async (request) => {
    const who = await userOf(api, request);
    if (who.kind !== 'user') throw forbidden('robots have no user profile');
    const user = await store.userById(who.id);
    if (!user) throw notFound('no such user');
    return userView(user);
  });

  const create = { ...doc('users', 'Create a user'), body: UserCreationReq, response: { 201: NoBody } };
  app.post('/users', { schema: create }, async (request, reply) => {
    const who = await sysadminOf(api, request);
    const body = request.body;
    const draft = {
      username: body.username ?? '',
      password: body.password ?? '',
      email: body.email,
      realname: body.realname,
      comment: body.comment,
    };
    const created = await users.create(draft, actor(request, who));
    reply.status(201).header('location', `/api/v2.0/users/${created.id}`).send();
  });

  const get = { ...doc('users', 'One user'), params: UserId, response: { 200: UserResp } };
  app.get('/users/:user_id', { schema: get }, async (request) => {
    const user = await target(request);
    await selfOrAdmin(request, user);
    return userView(user);
  });

  const put = { ...doc('users', "Change a user's profile"), params: UserId, body: UserProfile, response: done };
  app.put('/users/:user_id', { schema: put }, async (request) => {
    const user = await target(request);
    await selfOrAdmin(request, user);
    const body = request.body;
    await users.updateProfile(user, { email: body.email, realname: body.realname, comment: body.comment });
    return {};
  });

  const password = { ...doc('users', 'Change a password'), params: UserId, body: PasswordReq, response: done };
  app.put('/users/:user_id/password', { schema: password }, async (request) => {
    const user = await target(request);
    const { who, admin } = await selfOrAdmin(request, user);
    const body = request.body;
    if (user.source !== 'local') throw badRequest(`${user.source} users have no local password`);
    const self = who.kind === 'user' && who.id === user.id;
    if ((self || !admin) && !(await verifySecret(body.old_password ?? '', user.passwordHash)))
      throw forbidden('the old password is wrong');
    await users.setPassword(user, body.new_password ?? '', actor(request, who));
    return {};
  });

  const sysadmin = {
    ...doc('users', 'Grant or revoke system administration'),
    params: UserId,
    body: UserSysAdminFlag,
    response: done,
  };
  app.put('/users/:user_id/sysadmin', { schema: sysadmin }, async (request) => {
    const who = await sysadminOf(api, request);
    const user = await target(request);
    const flag = request.body.sysadmin_flag;
    if (who.kind === 'user' && who.id === user.id && !flag) throw forbidden('you may not remove your own admin role');
    await users.setSysadmin(user, flag, actor(request, who));
    return {};
  });

  /** Harbor: set the CLI secret an OIDC user gives registry clients as password. */
  const cliSecret = {
    ...doc('users', "Set an OIDC user's CLI secret"),
    params: UserId,
    body: OIDCCliSecretReq,
    response: done,
  };
  app.put('/users/:user_id/cli_secret', { schema: cliSecret }, async (request) => {
    const user = await target(request);
    const { who } = await selfOrAdmin(request, user);
    await users.setCliSecret(user, actor(request, who), request.body.secret ?? '');
    return {};
  });

  /** Ours: a generated CLI secret, shown once. */
  const newSecret = { ...doc('users', 'New CLI secret for the signed-in OIDC user'), response: { 200: RobotSec } };
  app.post('/users/current/cli_secret', { schema: newSecret }, async (request) => {
    const who = await userOf(api, request);
    const user = who.kind === 'user' ? await store.userById(who.id) : null;
    if (user?.source !== 'oidc') throw badRequest('only OIDC users have a CLI secret');
    return { secret: await users.setCliSecret(user, actor(request, who)) };
  });

  const del = { ...doc('users', 'Delete a user'), params: UserId, response: done };
  app.delete('/users/:user_id', { schema: del }, async (request) => {
    const who = await sysadminOf(api, request);
    const user = await target(request);
    if (who.kind === 'user' && who.id === user.id) throw forbidden('you may not delete yourself');
    await users.delete(user, actor(request, who));
    return {};
  });
}
