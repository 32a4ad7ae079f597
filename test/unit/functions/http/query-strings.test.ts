import type { HttpHandler } from '@azure/functions';
import { createDevicesBulkHandler } from '../../../../functions/http/devices-bulk.handler';
import { createDevicesQueryHandler } from '../../../../functions/http/devices-query.handler';
import { createJobSchedulesListHandler } from '../../../../functions/http/job-schedules-read.handler';
import { createJobsCreateHandler } from '../../../../functions/http/jobs-create.handler';
import { createJobsQueryHandler } from '../../../../functions/http/jobs-query.handler';
import type { Composition } from '../../../../shared/composition';
import { INSTANT_DEVICES, methodJobBody, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp, type TestRequest } from '../../../support/in-memory-app';

/** Every query string (and paging header) of the API answers a bad value as it always has: status and message. */
const HANDLERS = {
  jobsQuery: (composition) => createJobsQueryHandler(() => composition),
  jobsCreate: (composition) => createJobsCreateHandler(() => composition),
  schedules: (composition) => createJobSchedulesListHandler(() => composition),
  devices: (composition) => createDevicesBulkHandler(() => composition),
  devicesQuery: (composition) => createDevicesQueryHandler(() => composition),
} satisfies Record<string, (composition: Composition) => HttpHandler>;

const twinQuery = {
  method: 'POST',
  path: '/devices/query',
  body: { query: 'SELECT * FROM devices' },
} as const;

const CASES: [keyof typeof HANDLERS, TestRequest, number, string | undefined][] = [
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?jobType=reboot' },
    400,
    "jobType: 'reboot' is not a job type",
  ],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?jobStatus=done' },
    400,
    "jobStatus: 'done' is not a job status",
  ],
  ['jobsQuery', { method: 'GET', path: '/jobs/v2/query?jobType=&jobStatus=' }, 200, undefined],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?jobType=SCHEDULEUPDATETWIN&jobStatus=Pending' },
    200,
    undefined,
  ],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?pageSize=0' },
    400,
    "pageSize: must be a positive integer, got '0'",
  ],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?pageSize=%201.5' },
    400,
    "pageSize: must be a positive integer, got ' 1.5'",
  ],
  ['jobsQuery', { method: 'GET', path: '/jobs/v2/query?pageSize=%205%20' }, 200, undefined],
  ['jobsQuery', { method: 'GET', path: '/jobs/v2/query?pageSize=' }, 200, undefined],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query', headers: { 'x-ms-max-item-count': 'ten' } },
    400,
    "pageSize: must be a positive integer, got 'ten'",
  ],
  [
    'jobsQuery',
    { method: 'GET', path: '/jobs/v2/query?continuationToken=abc' },
    400,
    'continuationToken: is not a continuation token this listing issued',
  ],
  [
    'schedules',
    { method: 'GET', path: '/jobSchedules?pageSize=-2' },
    400,
    "pageSize: must be a positive integer, got '-2'",
  ],
  ['schedules', { method: 'GET', path: '/jobSchedules?pageSize=5000' }, 200, undefined],
  [
    'jobsCreate',
    { method: 'PUT', params: { jobId: 'q-1' }, path: '/jobs/v2/q-1?dryRun=maybe', body: methodJobBody() },
    400,
    "dryRun: must be true or false, got 'maybe'",
  ],
  [
    'jobsCreate',
    { method: 'PUT', params: { jobId: 'q-2' }, path: '/jobs/v2/q-2?dryRun=TRUE', body: methodJobBody() },
    200,
    undefined,
  ],
  [
    'jobsCreate',
    { method: 'PUT', params: { jobId: 'q-3' }, path: '/jobs/v2/q-3?dryRun=', body: methodJobBody() },
    200,
    undefined,
  ],
  ['devices', { method: 'GET', path: '/devices?top=0' }, 400, 'top must be a whole number from 1 to 1000.'],
  ['devices', { method: 'GET', path: '/devices?top=' }, 400, 'top must be a whole number from 1 to 1000.'],
  [
    'devices',
    { method: 'GET', path: '/devices?top=1001' },
    400,
    'top must be a whole number from 1 to 1000.',
  ],
  ['devices', { method: 'GET', path: '/devices?top=2.5' }, 400, 'top must be a whole number from 1 to 1000.'],
  ['devices', { method: 'GET', path: '/devices?top=1000' }, 200, undefined],
  ['devices', { method: 'GET', path: '/devices' }, 200, undefined],
  [
    'devicesQuery',
    { ...twinQuery, headers: { 'x-ms-max-item-count': '0' } },
    400,
    "x-ms-max-item-count must be a positive integer, got '0'.",
  ],
  [
    'devicesQuery',
    { ...twinQuery, path: '/devices/query?pageSize=x' },
    400,
    "x-ms-max-item-count must be a positive integer, got 'x'.",
  ],
  ['devicesQuery', { ...twinQuery, headers: { 'x-ms-max-item-count': '2000' } }, 200, undefined],
];

describe('query strings keep their answers', () => {
  let composition: Composition;

  beforeAll(async () => {
    composition = inMemoryApp(INSTANT_DEVICES).composition;
    await seedDevices(composition, ['unit-1']);
  });

  it.each(CASES)('%s case %# answers %i %s', async (handler, request, status, message) => {
    const answer = await answerOf(HANDLERS[handler](composition), request);
    expect(answer.status).toBe(status);
    if (message !== undefined) {
      expect(answer.errorCode).toBe('ArgumentInvalid');
      expect((answer.body as { Message: string }).Message).toBe(`ErrorCode:ArgumentInvalid;${message}`);
    }
  });
});
