import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { parseNcrontab } from '../cron/ncrontab';
import { JOB_STATUSES } from '../jobs/core/job-model';
import { DevicesQueryBodySchema } from '../schemas/devices-query.schema';
import { JobControlBodySchema, RerunBodySchema, RollbackBodySchema } from '../schemas/job-control.schema';
import { JobRequestSchema } from '../schemas/job-request.schema';
import { jobScheduleBodySchema } from '../schemas/job-schedule.schema';
import { MethodInvocationSchema } from '../schemas/method-invocation.schema';
import { PagingParameters } from '../schemas/paging.schema';
import {
  ApiVersionSchema,
  CreateJobParameters,
  JobsQueryParameters,
  ListDevicesParameters,
} from '../schemas/query-parameters.schema';
import { RegistryJobRequestSchema } from '../schemas/registry-job-request.schema';

/**
 * The OpenAPI 3.1 document of the API, generated from the same valibot schemas that check the requests
 * (`GET /openapi.json`, committed as docs/openapi.json). Every route the app registers has an operation here
 * (test/integration/openapi/openapi-document.test.ts lists the registered routes), and the end-to-end tests
 * check every response they receive against it (test/support/openapi-responses.ts).
 */

/** IoT Hub's error body, which every service SDK parses (`shared/http/wire-format.ts`). */
const ErrorBodySchema = v.object({ Message: v.string(), ExceptionMessage: v.string() });

/** A job as `GET /jobs/v2/{jobId}` answers it; extension fields may follow. */
const JobResponseSchema = v.looseObject({
  jobId: v.string(),
  type: v.picklist(['scheduleDeviceMethod', 'scheduleUpdateTwin']),
  status: v.picklist(JOB_STATUSES),
  createdTime: v.string(),
  startTime: v.string(),
  maxExecutionTimeInSeconds: v.number(),
  deviceJobStatistics: v.looseObject({
    deviceCount: v.number(),
    failedCount: v.number(),
    succeededCount: v.number(),
    runningCount: v.number(),
    pendingCount: v.number(),
  }),
});

/** A schedule's body as any schedule's `PUT` checks it (the id of the URL is the schedule's). */
const SCHEDULE_BODY = jobScheduleBodySchema('{scheduleId}', parseNcrontab);

/** Any JSON value: the operations whose answer is described by its wire type only (packages/client). */
const AnyJsonSchema = v.unknown();

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete' | 'head';

interface Operation {
  /** The route as the app registers it (`jobs/v2/{jobId}`; a catch-all `{*path}` is written `{path}`). */
  route: string;
  methods: Method[];
  operationId: string;
  summary: string;
  /** Whether the operation needs IoT Hub's SAS authorization; false for what holds no secret. */
  anonymous?: boolean;
  /** The query parameters, as the schemas the handlers parse them with (`api-version` is added to each). */
  query?: Record<string, v.GenericSchema>;
  body?: v.GenericSchema;
  /** Success answers by status; `null`: no body. Errors answer IoT Hub's error body (`default`). */
  responses: Record<number, v.GenericSchema | null>;
  /** A non-JSON answer (the dashboard's files). */
  contentType?: string;
}

/** Every operation of the API, by route; the order is the document's. */
export const API_OPERATIONS: readonly Operation[] = [
  {
    route: 'jobs/v2/{jobId}',
    methods: ['put'],
    operationId: 'createJob',
    summary: 'Create a job (or, with dryRun=true, estimate it)',
    query: CreateJobParameters,
    body: JobRequestSchema,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'jobs/v2/{jobId}',
    methods: ['get'],
    operationId: 'getJob',
    summary: 'Read a job',
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobs/v2/query',
    methods: ['get'],
    operationId: 'queryJobs',
    summary: 'List jobs, filtered by type and status',
    query: JobsQueryParameters,
    responses: { 200: v.array(JobResponseSchema) },
  },
  {
    route: 'jobs/v2/{jobId}/cancel',
    methods: ['post'],
    operationId: 'cancelJob',
    summary: 'Cancel a job',
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobs/v2/{jobId}/pause',
    methods: ['post'],
    operationId: 'pauseJob',
    summary: 'Pause a running job',
    body: JobControlBodySchema,
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobs/v2/{jobId}/resume',
    methods: ['post'],
    operationId: 'resumeJob',
    summary: 'Resume a paused job',
    body: JobControlBodySchema,
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobs/v2/{jobId}/rerun',
    methods: ['post'],
    operationId: 'rerunJob',
    summary: 'Run a finished job again on the devices that ended in the given statuses',
    body: RerunBodySchema,
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobs/v2/{jobId}/rollback',
    methods: ['post'],
    operationId: 'rollbackJob',
    summary: 'Start a twin job restoring the values a twin job overwrote, on the devices where it completed',
    body: RollbackBodySchema,
    responses: { 200: JobResponseSchema },
  },
  {
    route: 'jobSchedules/{scheduleId}',
    methods: ['get'],
    operationId: 'getJobSchedule',
    summary: 'Read a recurring job schedule',
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'jobSchedules/{scheduleId}',
    methods: ['put'],
    operationId: 'putJobSchedule',
    summary: 'Create or replace a recurring job schedule',
    body: SCHEDULE_BODY,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'jobSchedules/{scheduleId}',
    methods: ['delete'],
    operationId: 'deleteJobSchedule',
    summary: 'Delete a recurring job schedule',
    responses: { 204: null },
  },
  {
    route: 'jobSchedules',
    methods: ['get'],
    operationId: 'listJobSchedules',
    summary: 'List recurring job schedules',
    query: PagingParameters,
    responses: { 200: v.array(AnyJsonSchema) },
  },
  {
    route: 'jobs/create',
    methods: ['post'],
    operationId: 'createRegistryJob',
    summary: 'Start a bulk import or export of device identities',
    body: RegistryJobRequestSchema,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'jobs',
    methods: ['get'],
    operationId: 'listRegistryJobs',
    summary: 'List import and export jobs',
    responses: { 200: v.array(AnyJsonSchema) },
  },
  {
    route: 'jobs/{jobId}',
    methods: ['get'],
    operationId: 'getRegistryJob',
    summary: 'Read an import or export job',
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'jobs/{jobId}',
    methods: ['delete'],
    operationId: 'cancelRegistryJob',
    summary: 'Cancel an import or export job',
    responses: { 200: AnyJsonSchema, 204: null },
  },
  {
    route: 'devices/{id}',
    methods: ['get'],
    operationId: 'getDevice',
    summary: 'Read a device identity',
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'devices/{id}',
    methods: ['put'],
    operationId: 'putDevice',
    summary: 'Create or update a device identity',
    body: AnyJsonSchema,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'devices/{id}',
    methods: ['delete'],
    operationId: 'deleteDevice',
    summary: 'Delete a device identity',
    responses: { 204: null },
  },
  {
    route: 'devices',
    methods: ['get'],
    operationId: 'listDevices',
    summary: 'List device identities',
    query: ListDevicesParameters,
    responses: { 200: v.array(AnyJsonSchema) },
  },
  {
    route: 'devices',
    methods: ['post'],
    operationId: 'bulkDevices',
    summary: 'Create, update or delete device identities in bulk',
    body: AnyJsonSchema,
    responses: { 200: AnyJsonSchema, 400: AnyJsonSchema },
  },
  {
    route: 'devices/query',
    methods: ['post'],
    operationId: 'queryDevices',
    summary: 'Query twins or device jobs with the IoT Hub query language',
    query: PagingParameters,
    body: DevicesQueryBodySchema,
    responses: { 200: v.array(AnyJsonSchema) },
  },
  {
    route: 'twins/{id}',
    methods: ['get'],
    operationId: 'getTwin',
    summary: "Read a device's twin",
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'twins/{id}',
    methods: ['patch', 'put'],
    operationId: 'updateTwin',
    summary: "Update (PATCH) or replace (PUT) a device's twin",
    body: AnyJsonSchema,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'twins/{id}/methods',
    methods: ['post'],
    operationId: 'invokeDeviceMethod',
    summary: 'Call a direct method on a device',
    body: MethodInvocationSchema,
    responses: { 200: AnyJsonSchema },
  },
  {
    route: 'dashboard/{path}',
    methods: ['get', 'head'],
    operationId: 'dashboard',
    summary: "The operator dashboard's files (no secret; the dashboard signs its own API calls)",
    anonymous: true,
    contentType: '*/*',
    responses: { 200: null, 308: null, 404: null },
  },
  {
    route: 'openapi.json',
    methods: ['get'],
    operationId: 'openApiDocument',
    summary: 'This document (no secret: served without authorization)',
    anonymous: true,
    responses: { 200: v.record(v.string(), v.unknown()) },
  },
];

function jsonSchemaOf(schema: v.GenericSchema): Record<string, unknown> {
  const converted = toJsonSchema(schema, { errorMode: 'ignore', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  delete converted.$schema;
  return converted;
}

function pathParameters(route: string): Record<string, unknown>[] {
  return [...route.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function operationObject(operation: Operation, method: Method): Record<string, unknown> {
  const query: Record<string, v.GenericSchema> = operation.anonymous
    ? (operation.query ?? {})
    : { 'api-version': ApiVersionSchema, ...operation.query };
  const queryParameters = Object.entries(query).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema: jsonSchemaOf(schema),
  }));
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(operation.responses)) {
    const content =
      operation.contentType !== undefined
        ? { [operation.contentType]: {} }
        : schema === null
          ? undefined
          : { 'application/json': { schema: jsonSchemaOf(schema) } };
    responses[status] = { description: `HTTP ${status}`, ...(content ? { content } : {}) };
  }
  responses.default = {
    description: "An IoT Hub error: the code is in Message ('ErrorCode:<code>;<text>') and iothub-errorcode",
    content: { 'application/json': { schema: jsonSchemaOf(ErrorBodySchema) } },
  };
  const suffix = operation.methods.length > 1 ? `_${method}` : '';
  return {
    operationId: `${operation.operationId}${suffix}`,
    summary: operation.summary,
    ...(operation.anonymous ? { security: [] } : {}),
    parameters: [...pathParameters(operation.route), ...queryParameters],
    ...(operation.body && method !== 'get'
      ? {
          requestBody: {
            required: !v.is(operation.body, undefined),
            content: { 'application/json': { schema: jsonSchemaOf(operation.body) } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every operation, generated from the schemas. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of API_OPERATIONS) {
    const item = (paths[`/${operation.route}`] ??= {});
    for (const method of operation.methods) item[method] = operationObject(operation, method);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Device jobs service',
      version: '1.0.0',
      description:
        "Azure IoT Hub's jobs API (/jobs/v2), device registry and twins, with this service's extensions.",
    },
    servers: [{ url: '/' }],
    security: [{ sharedAccessSignature: [] }],
    paths,
    components: {
      securitySchemes: {
        sharedAccessSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'An IoT Hub SAS token: SharedAccessSignature sr=…&sig=…&se=…&skn=…',
        },
      },
    },
  };
}
