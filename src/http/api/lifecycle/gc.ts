/**
 * Harbor's garbage collection API: /system/gc (runs), /system/gc/{id}
 * (status; PUT stops it), /system/gc/{id}/log, /system/gc/schedule
 * (`Manual` starts a run now, 409 while one is running; the other types set
 * or cancel the cron schedule).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { CronError, nextRun, PRESETS, parseCron } from '../../../features/lifecycle/cron.ts';
import { GC_SCHEDULE } from '../../../features/lifecycle/feature.ts';
import { GcConflictError } from '../../../features/lifecycle/gc-service.ts';
import type { GcParameters, GcRun, Schedule } from '../../../features/lifecycle/ports.ts';
import { conflict, invalidField, notFound } from '../errors.ts';
import { ErrorBody, type LifecycleApiOptions, Paging, pageHeaders, requireSysadmin, slice } from './context.ts';

const ScheduleObj = Type.Object({
  type: Type.Union([
    Type.Literal('Hourly'),
    Type.Literal('Daily'),
    Type.Literal('Weekly'),
    Type.Literal('Custom'),
    Type.Literal('Manual'),
    Type.Literal('None'),
    Type.Literal('Schedule'),
  ]),
  cron: Type.Optional(Type.String({ maxLength: 128 })),
  next_scheduled_time: Type.Optional(Type.String()),
});

const GcParams = Type.Object({
  delete_untagged: Type.Optional(Type.Boolean()),
  dry_run: Type.Optional(Type.Boolean()),
  workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  time_window: Type.Optional(Type.Integer({ minimum: 0, maximum: 8760 })),
});

const ScheduleReq = Type.Object({
  schedule: ScheduleObj,
  parameters: Type.Optional(GcParams),
});

const GcHistory = Type.Object({
  id: Type.Integer(),
  job_name: Type.String(),
  job_kind: Type.String(),
  job_parameters: Type.String(),
  schedule: Type.Union([ScheduleObj, Type.Null()]),
  job_status: Type.String(),
  deleted: Type.Boolean(),
  creation_time: Type.String(),
  update_time: Type.String(),
  blobs_deleted: Type.Integer(),
  bytes_freed: Type.Integer(),
  manifests_deleted: Type.Integer(),
  uploads_purged: Type.Integer(),
});

const IdParams = Type.Object({ gc_id: Type.Integer({ minimum: 1 }) });

function parameters(p: Static<typeof GcParams> | undefined, fallback?: GcParameters): GcParameters {
  return {
    deleteUntagged: p?.delete_untagged ?? fallback?.deleteUntagged ?? false,
    dryRun: p?.dry_run ?? fallback?.dryRun ?? false,
    workers: p?.workers ?? fallback?.workers ?? 4,
    timeWindowHours: p?.time_window ?? fallback?.timeWindowHours ?? 2,
  };
}

const harborParameters = (p: GcParameters, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    delete_untagged: p.deleteUntagged,
    dry_run: p.dryRun,
    workers: p.workers,
    time_window: p.timeWindowHours,
    ...extra,
  });

export function gcView(run: GcRun) {
  return {
    id: run.id,
    job_name: 'GARBAGE_COLLECTION',
    job_kind: run.trigger === 'Schedule' ? 'SCHEDULE' : 'MANUAL',
    job_parameters: harborParameters(run.parameters, { freed_space: run.bytesFreed, purged_number: run.blobsDeleted }),
    schedule: { type: run.trigger === 'Schedule' ? ('Schedule' as const) : ('Manual' as const) },
    job_status: run.status,
    deleted: false,
    creation_time: run.createdAt,
    update_time: run.updatedAt,
    blobs_deleted: run.blobsDeleted,
    bytes_freed: run.bytesFreed,
    manifests_deleted: run.manifestsDeleted,
    uploads_purged: run.uploadsPurged,
  };
}

function scheduleView(s: Schedule | null) {
  if (!s) return { schedule: { type: 'None' }, job_parameters: harborParameters(parameters(undefined)) };
  const next = nextRun(parseCron(s.cron), new Date());
  return {
    schedule: { type: s.type, cron: s.cron, ...(next ? { next_scheduled_time: next.toISOString() } : {}) },
    job_parameters: harborParameters(s.parameters as unknown as GcParameters),
    creation_time: s.updatedAt,
    update_time: s.updatedAt,
  };
}

export async function gcRoutes(root: FastifyInstance, o: LifecycleApiOptions): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { gc } = o.lifecycle;

  app.get(
    '/system/gc',
    { schema: { querystring: Paging, response: { 200: Type.Array(GcHistory), 401: ErrorBody, 403: ErrorBody } } },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const s = slice(request.query);
      const { items, total } = await gc.store.listRuns(s.offset, s.pageSize);
      pageHeaders(reply, total);
      return items.map(gcView);
    },
  );

  app.get(
    '/system/gc/schedule',
    { schema: { response: { 200: Type.Object({}, { additionalProperties: true }) } } },
    async (request) => {
      await requireSysadmin(o, request);
      return scheduleView(await gc.store.schedule(GC_SCHEDULE));
    },
  );

  const setSchedule = async (body: Static<typeof ScheduleReq>): Promise<GcRun | null> => {
    const params = parameters(body.parameters);
    const { type } = body.schedule;
    if (type === 'Manual') {
      try {
        const run = await gc.start('Manual', params);
        o.lifecycle.kick();
        return run;
      } catch (err) {
        if (err instanceof GcConflictError) throw conflict(err.message);
        throw err;
      }
    }
    if (type === 'None') {
      await gc.clearSchedule(GC_SCHEDULE);
      return null;
    }
    const cron = PRESETS[type] ?? body.schedule.cron;
    if (!cron) throw invalidField('schedule.cron', `schedule.cron is required for a ${type} schedule`);
    try {
      parseCron(cron);
    } catch (err) {
      if (err instanceof CronError) throw invalidField('schedule.cron', `schedule.cron: ${err.message}`);
      throw err;
    }
    await gc.setSchedule(GC_SCHEDULE, type, cron, params);
    return null;
  };

  app.post(
    '/system/gc/schedule',
    { schema: { body: ScheduleReq, response: { 201: Type.Null(), 400: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const run = await setSchedule(request.body);
      if (run) reply.header('location', `/api/v2.0/system/gc/${run.id}`);
      reply.status(201).send(null);
    },
  );

  app.put(
    '/system/gc/schedule',
    { schema: { body: ScheduleReq, response: { 200: Type.Null(), 400: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const run = await setSchedule(request.body);
      if (run) reply.header('location', `/api/v2.0/system/gc/${run.id}`);
      reply.status(200).send(null);
    },
  );

  app.get(
    '/system/gc/:gc_id',
    { schema: { params: IdParams, response: { 200: GcHistory, 404: ErrorBody } } },
    async (request) => {
      await requireSysadmin(o, request);
      const run = await gc.store.run(request.params.gc_id);
      if (!run) throw notFound(`gc run ${request.params.gc_id} not found`);
      return gcView(run);
    },
  );

  app.put(
    '/system/gc/:gc_id',
    { schema: { params: IdParams, response: { 200: Type.Null(), 404: ErrorBody } } },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const run = await gc.stop(request.params.gc_id);
      if (!run) throw notFound(`gc run ${request.params.gc_id} not found`);
      reply.status(200).send(null);
    },
  );

  app.get(
    '/system/gc/:gc_id/log',
    { schema: { params: IdParams, response: { 200: Type.String(), 404: ErrorBody } } },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const log = await gc.store.log(request.params.gc_id);
      if (log === null) throw notFound(`gc run ${request.params.gc_id} not found`);
      reply.type('text/plain; charset=utf-8');
      return log;
    },
  );
}
