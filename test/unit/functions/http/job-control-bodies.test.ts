/**
 * The answers to every bad body of the job-control routes (pause, resume, rollback, rerun, schedules), recorded
 * from the hand-written validators these schemas replaced: status, IoT Hub code and message, byte for byte. A body
 * the schemas accept answers what follows validation (404 `JobNotFound` on the empty app, 200 for a schedule).
 */
import type { HttpHandler } from '@azure/functions';
import {
  createJobsPauseHandler,
  createJobsResumeHandler,
} from '../../../../functions/http/jobs-pause.handler';
import { createJobsRerunHandler } from '../../../../functions/http/jobs-rerun.handler';
import { createJobsRollbackHandler } from '../../../../functions/http/jobs-rollback.handler';
import { createJobSchedulesPutHandler } from '../../../../functions/http/job-schedules-write.handler';
import { methodJobBody } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

/** A row: what is sent (JSON text; '' is an empty body), then the answer's status and `Message` (none: no error). */
type Row = [label: string, body: string, status: number, message?: string];

const invalid = (reason: string) => `ErrorCode:ArgumentInvalid;${reason}`;
const json = (value: unknown) => JSON.stringify(value);
const long = (length: number) => 'x'.repeat(length);

async function answer(handler: (app: ReturnType<typeof inMemoryApp>) => HttpHandler, request: object) {
  const app = inMemoryApp();
  const got = await answerOf(handler(app), request as Parameters<typeof answerOf>[1]);
  const message = (got.body as { Message?: string } | undefined)?.Message;
  const code = got.status >= 400 ? got.errorCode : undefined;
  return { status: got.status, code, message: got.status >= 400 ? message : undefined };
}

/** The status, code and message a row expects; the code is the one the message names. */
function expected([, , status, message]: Row) {
  const code = message === undefined ? undefined : /^ErrorCode:(\w+);/.exec(message)?.[1];
  return { status, code, message };
}

const NOT_FOUND = (jobId: string) => `ErrorCode:JobNotFound;Job '${jobId}' was not found.`;

const CONTROL_ROWS: Row[] = [
  ['an empty body', '', 404, NOT_FOUND('c-1')],
  ['null', 'null', 404, NOT_FOUND('c-1')],
  ['an empty object', '{}', 404, NOT_FOUND('c-1')],
  ['a null reason', json({ reason: null }), 404, NOT_FOUND('c-1')],
  ['a reason', json({ reason: 'night' }), 404, NOT_FOUND('c-1')],
  ['a reason of 512 characters', json({ reason: long(512) }), 404, NOT_FOUND('c-1')],
  ['an array', '[]', 400, invalid('body: must be a JSON object')],
  ['an array of a field', '["reason"]', 400, invalid('body: must be a JSON object')],
  ['a string', '"x"', 400, invalid('body: must be a JSON object')],
  ['a number', '42', 400, invalid('body: must be a JSON object')],
  ['true', 'true', 400, invalid('body: must be a JSON object')],
  [
    'an unknown field',
    json({ force: true }),
    400,
    invalid('force: is not a field of a pause or resume request'),
  ],
  [
    'an unknown field after a reason',
    json({ reason: 'x', force: 1 }),
    400,
    invalid('force: is not a field of a pause or resume request'),
  ],
  [
    'an unknown field before a bad reason',
    json({ force: 1, reason: 5 }),
    400,
    invalid('force: is not a field of a pause or resume request'),
  ],
  [
    'a __proto__ field',
    '{"__proto__":{}}',
    400,
    invalid('__proto__: is not a field of a pause or resume request'),
  ],
  [
    'a constructor field',
    json({ constructor: 1 }),
    400,
    invalid('constructor: is not a field of a pause or resume request'),
  ],
  [
    'a number reason',
    json({ reason: 5 }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'an empty reason',
    json({ reason: '' }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'a blank reason',
    json({ reason: '   ' }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'a reason of 513 characters',
    json({ reason: long(513) }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'an object reason',
    json({ reason: {} }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'an array reason',
    json({ reason: ['a'] }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
  [
    'a boolean reason',
    json({ reason: false }),
    400,
    invalid('reason: must be a non-empty string of at most 512 characters'),
  ],
];

describe.each([
  ['pause', createJobsPauseHandler],
  ['resume', createJobsResumeHandler],
])('the %s body', (action, create) => {
  const control = (body: string, jobId = 'c-1') => ({
    method: 'POST',
    path: `/jobs/v2/${jobId}/${action}`,
    params: { jobId },
    ...(body === '' ? {} : { body }),
    policy: 'service' as const,
  });
  it.each(CONTROL_ROWS)('%s', async (...row) => {
    const got = await answer((app) => create(() => app.composition), control(row[1]));
    expect(got).toEqual(expected(row));
  });
});

describe('the rollback body', () => {
  const rollback = (body: string, jobId = 'tw-1') => ({
    method: 'POST',
    path: `/jobs/v2/${jobId}/rollback`,
    params: { jobId },
    ...(body === '' ? {} : { body }),
    policy: 'service' as const,
  });
  const rows: Row[] = [
    ['an empty body', '', 404, NOT_FOUND('tw-1')],
    ['null', 'null', 404, NOT_FOUND('tw-1')],
    ['an empty object', '{}', 404, NOT_FOUND('tw-1')],
    ['a null jobId', json({ jobId: null }), 404, NOT_FOUND('tw-1')],
    ['a jobId', json({ jobId: 'undo-1' }), 404, NOT_FOUND('tw-1')],
    ['a jobId of 128 characters', json({ jobId: long(128) }), 404, NOT_FOUND('tw-1')],
    ['an array', '[]', 400, invalid('body: must be a JSON object')],
    ['a string', '"x"', 400, invalid('body: must be a JSON object')],
    ['a number', '7', 400, invalid('body: must be a JSON object')],
    ['false', 'false', 400, invalid('body: must be a JSON object')],
    [
      'an unknown field',
      json({ force: true }),
      400,
      invalid('force: is not a field of a rollback request (jobId)'),
    ],
    [
      'an unknown field after a jobId',
      json({ jobId: 'a', force: 1 }),
      400,
      invalid('force: is not a field of a rollback request (jobId)'),
    ],
    [
      'an unknown field before a bad jobId',
      json({ force: 1, jobId: 5 }),
      400,
      invalid('force: is not a field of a rollback request (jobId)'),
    ],
    [
      'a __proto__ field',
      '{"__proto__":1}',
      400,
      invalid('__proto__: is not a field of a rollback request (jobId)'),
    ],
    ['a number jobId', json({ jobId: 5 }), 400, invalid('jobId: must be a string (the new job id)')],
    ['a boolean jobId', json({ jobId: true }), 400, invalid('jobId: must be a string (the new job id)')],
    ['an object jobId', json({ jobId: {} }), 400, invalid('jobId: must be a string (the new job id)')],
    ['an array jobId', json({ jobId: ['a'] }), 400, invalid('jobId: must be a string (the new job id)')],
    [
      'an empty jobId',
      json({ jobId: '' }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a jobId with a space',
      json({ jobId: 'bad id' }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a jobId of 129 characters',
      json({ jobId: long(129) }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
  ];
  it.each(rows)('%s', async (...row) => {
    const got = await answer((app) => createJobsRollbackHandler(() => app.composition), rollback(row[1]));
    expect(got).toEqual(expected(row));
  });
});

describe('the rerun body', () => {
  const rerun = (body: string, jobId = 'r-1') => ({
    method: 'POST',
    path: `/jobs/v2/${jobId}/rerun`,
    params: { jobId },
    ...(body === '' ? {} : { body }),
  });
  const valid = { jobId: 'r-2', deviceStatuses: ['failed'] };
  const rows: Row[] = [
    ['a valid body', json(valid), 404, NOT_FOUND('r-1')],
    [
      'statuses in any case, cancelled, repeated',
      json({ ...valid, deviceStatuses: ['FAILED', 'Cancelled', 'failed'] }),
      404,
      NOT_FOUND('r-1'),
    ],
    ['a null startTime', json({ ...valid, startTime: null }), 404, NOT_FOUND('r-1')],
    ['a startTime (checked with the parent)', json({ ...valid, startTime: 'soon' }), 404, NOT_FOUND('r-1')],
    ['an empty body', '', 400, invalid('The rerun request is empty: a JSON document is required.')],
    ['null', 'null', 400, invalid('body: must be a JSON object')],
    ['an array', '[]', 400, invalid('body: must be a JSON object')],
    ['a string', '"x"', 400, invalid('body: must be a JSON object')],
    ['a number', '1', 400, invalid('body: must be a JSON object')],
    ['an empty object', '{}', 400, invalid('jobId: is required (the new job id)')],
    [
      'an unknown field',
      json({ ...valid, force: true }),
      400,
      invalid('force: is not a field of a rerun request (jobId, deviceStatuses, startTime)'),
    ],
    [
      'an unknown field first',
      json({ force: true, jobId: 5 }),
      400,
      invalid('force: is not a field of a rerun request (jobId, deviceStatuses, startTime)'),
    ],
    [
      'a __proto__ field',
      '{"__proto__":1,"jobId":"r-2","deviceStatuses":["failed"]}',
      400,
      invalid('__proto__: is not a field of a rerun request (jobId, deviceStatuses, startTime)'),
    ],
    ['a null jobId', json({ ...valid, jobId: null }), 400, invalid('jobId: is required (the new job id)')],
    ['a number jobId', json({ ...valid, jobId: 5 }), 400, invalid('jobId: is required (the new job id)')],
    [
      'an empty jobId',
      json({ ...valid, jobId: '' }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a jobId with a space',
      json({ ...valid, jobId: 'bad id' }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a jobId of 129 characters',
      json({ ...valid, jobId: long(129) }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a bad jobId and bad statuses',
      json({ jobId: 'bad id', deviceStatuses: [] }),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'no deviceStatuses',
      json({ jobId: 'r-2' }),
      400,
      invalid('deviceStatuses: must be a non-empty array of device job statuses'),
    ],
    [
      'null deviceStatuses',
      json({ jobId: 'r-2', deviceStatuses: null }),
      400,
      invalid('deviceStatuses: must be a non-empty array of device job statuses'),
    ],
    [
      'empty deviceStatuses',
      json({ jobId: 'r-2', deviceStatuses: [] }),
      400,
      invalid('deviceStatuses: must be a non-empty array of device job statuses'),
    ],
    [
      'a string deviceStatuses',
      json({ jobId: 'r-2', deviceStatuses: 'failed' }),
      400,
      invalid('deviceStatuses: must be a non-empty array of device job statuses'),
    ],
    [
      'an object deviceStatuses',
      json({ jobId: 'r-2', deviceStatuses: { 0: 'failed' } }),
      400,
      invalid('deviceStatuses: must be a non-empty array of device job statuses'),
    ],
    [
      'an unknown status',
      json({ jobId: 'r-2', deviceStatuses: ['failed', 'nope'] }),
      400,
      invalid('deviceStatuses[1]: must be one of pending, scheduled, running, completed, failed, canceled'),
    ],
    [
      'a number status',
      json({ jobId: 'r-2', deviceStatuses: [5] }),
      400,
      invalid('deviceStatuses[0]: must be one of pending, scheduled, running, completed, failed, canceled'),
    ],
    [
      'a null status',
      json({ jobId: 'r-2', deviceStatuses: ['failed', null] }),
      400,
      invalid('deviceStatuses[1]: must be one of pending, scheduled, running, completed, failed, canceled'),
    ],
    [
      'a __proto__ status',
      json({ jobId: 'r-2', deviceStatuses: ['__proto__'] }),
      400,
      invalid('deviceStatuses[0]: must be one of pending, scheduled, running, completed, failed, canceled'),
    ],
  ];
  it.each(rows)('%s', async (...row) => {
    const got = await answer((app) => createJobsRerunHandler(() => app.composition), rerun(row[1]));
    expect(got).toEqual(expected(row));
  });
});

describe('the schedule body', () => {
  const put = (body: string, scheduleId = 'nightly') => ({
    method: 'PUT',
    path: `/jobSchedules/${scheduleId}`,
    params: { scheduleId },
    ...(body === '' ? {} : { body }),
  });
  const nightly = { schedule: '0 0 2 * * *', jobTemplate: methodJobBody() };
  const rows: Row[] = [
    ['a valid body', json(nightly), 200],
    ['its own scheduleId', json({ ...nightly, scheduleId: 'nightly' }), 200],
    ['a null scheduleId', json({ ...nightly, scheduleId: null }), 200],
    ['a schedule with spaces around', json({ ...nightly, schedule: ' 0 0 2 * * * ' }), 200],
    ['a null timeZone', json({ ...nightly, timeZone: null }), 200],
    ['a timeZone', json({ ...nightly, timeZone: 'Europe/Paris' }), 200],
    ['disabled', json({ ...nightly, enabled: false }), 200],
    ['a null enabled', json({ ...nightly, enabled: null }), 200],
    [
      'read-only fields sent back',
      json({
        ...nightly,
        createdTime: 1,
        lastUpdatedTime: 'x',
        nextRunTime: null,
        lastJobId: 5,
        lastRunTime: {},
      }),
      200,
    ],
    [
      'a template with a null jobId and startTime',
      json({ ...nightly, jobTemplate: methodJobBody({ jobId: null, startTime: null }) }),
      200,
    ],
    ['an empty body', '', 400, invalid('The schedule is empty: a JSON document is required.')],
    ['null', 'null', 400, invalid('body: must be a JSON object (a job schedule)')],
    ['an array', '[]', 400, invalid('body: must be a JSON object (a job schedule)')],
    ['a string', '"x"', 400, invalid('body: must be a JSON object (a job schedule)')],
    ['an empty object', '{}', 400, invalid('schedule: is required: an NCRONTAB expression of six fields')],
    [
      'an unknown field',
      json({ ...nightly, force: true }),
      400,
      invalid(
        'force: is not a field of a job schedule (scheduleId, schedule, timeZone, enabled, jobTemplate)',
      ),
    ],
    [
      'an unknown field first',
      json({ force: true, schedule: 5 }),
      400,
      invalid(
        'force: is not a field of a job schedule (scheduleId, schedule, timeZone, enabled, jobTemplate)',
      ),
    ],
    [
      'a __proto__ field',
      '{"__proto__":1,"schedule":"0 0 2 * * *"}',
      400,
      invalid(
        '__proto__: is not a field of a job schedule (scheduleId, schedule, timeZone, enabled, jobTemplate)',
      ),
    ],
    [
      'another scheduleId',
      json({ ...nightly, scheduleId: 'other' }),
      400,
      invalid("scheduleId: differs from the schedule id of the URL 'nightly'"),
    ],
    [
      'a number scheduleId',
      json({ ...nightly, scheduleId: 5 }),
      400,
      invalid("scheduleId: differs from the schedule id of the URL 'nightly'"),
    ],
    [
      'a number schedule',
      json({ ...nightly, schedule: 5 }),
      400,
      invalid('schedule: is required: an NCRONTAB expression of six fields'),
    ],
    [
      'an empty schedule',
      json({ ...nightly, schedule: '' }),
      400,
      invalid('schedule: is required: an NCRONTAB expression of six fields'),
    ],
    [
      'a blank schedule',
      json({ ...nightly, schedule: '   ' }),
      400,
      invalid('schedule: is required: an NCRONTAB expression of six fields'),
    ],
    [
      'a schedule of five fields',
      json({ ...nightly, schedule: '*/2 * * * *' }),
      400,
      invalid('schedule: must have six fields: {second} {minute} {hour} {day} {month} {day-of-week}'),
    ],
    [
      'a number timeZone',
      json({ ...nightly, timeZone: 5 }),
      400,
      invalid('timeZone: must be an IANA time zone name'),
    ],
    [
      'an empty timeZone',
      json({ ...nightly, timeZone: '' }),
      400,
      invalid('timeZone: must be an IANA time zone name'),
    ],
    [
      'an unknown timeZone',
      json({ ...nightly, timeZone: 'Moon/Base' }),
      400,
      invalid('timeZone: Invalid time zone specified: Moon/Base'),
    ],
    [
      'a string enabled',
      json({ ...nightly, enabled: 'yes' }),
      400,
      invalid('enabled: must be true or false'),
    ],
    ['a number enabled', json({ ...nightly, enabled: 1 }), 400, invalid('enabled: must be true or false')],
    [
      'no jobTemplate',
      json({ schedule: nightly.schedule }),
      400,
      invalid('jobTemplate: is required and must be a job body'),
    ],
    [
      'a null jobTemplate',
      json({ ...nightly, jobTemplate: null }),
      400,
      invalid('jobTemplate: is required and must be a job body'),
    ],
    [
      'an array jobTemplate',
      json({ ...nightly, jobTemplate: [] }),
      400,
      invalid('jobTemplate: is required and must be a job body'),
    ],
    [
      'a string jobTemplate',
      json({ ...nightly, jobTemplate: 'x' }),
      400,
      invalid('jobTemplate: is required and must be a job body'),
    ],
    [
      'a template with a jobId',
      json({ ...nightly, jobTemplate: methodJobBody({ jobId: 'j' }) }),
      400,
      invalid(
        "jobTemplate.jobId: is set by each occurrence ('{scheduleId}-{yyyyMMddTHHmmssZ}', starting at once)",
      ),
    ],
    [
      'a template with a startTime',
      json({ ...nightly, jobTemplate: methodJobBody({ startTime: 'now' }) }),
      400,
      invalid(
        "jobTemplate.startTime: is set by each occurrence ('{scheduleId}-{yyyyMMddTHHmmssZ}', starting at once)",
      ),
    ],
    [
      'a template with both',
      json({ ...nightly, jobTemplate: methodJobBody({ startTime: 'now', jobId: 'j' }) }),
      400,
      invalid(
        "jobTemplate.jobId: is set by each occurrence ('{scheduleId}-{yyyyMMddTHHmmssZ}', starting at once)",
      ),
    ],
    [
      'a template of an unknown type',
      json({ ...nightly, jobTemplate: methodJobBody({ type: 'reboot' }) }),
      400,
      invalid("jobTemplate.type: 'reboot' is not a job type (scheduleDeviceMethod, scheduleUpdateTwin)"),
    ],
    [
      'a template with a bad method',
      json({ ...nightly, jobTemplate: methodJobBody({ cloudToDeviceMethod: { methodName: '' } }) }),
      400,
      invalid('jobTemplate.cloudToDeviceMethod.methodName: is required and must be a non-empty string'),
    ],
    [
      'a bad schedule, then a bad enabled',
      json({ ...nightly, schedule: '* *', enabled: 'yes' }),
      400,
      invalid('schedule: must have six fields: {second} {minute} {hour} {day} {month} {day-of-week}'),
    ],
    [
      'a bad timeZone, then a bad schedule',
      json({ ...nightly, schedule: '* *', timeZone: 'Moon/Base' }),
      400,
      invalid('timeZone: Invalid time zone specified: Moon/Base'),
    ],
    [
      'no schedule, then a bad timeZone',
      json({ jobTemplate: nightly.jobTemplate, timeZone: 5 }),
      400,
      invalid('schedule: is required: an NCRONTAB expression of six fields'),
    ],
    [
      'a bad enabled, then a bad jobTemplate',
      json({ schedule: nightly.schedule, enabled: 2, jobTemplate: 3 }),
      400,
      invalid('enabled: must be true or false'),
    ],
    [
      'another scheduleId, then no schedule',
      json({ scheduleId: 'x' }),
      400,
      invalid("scheduleId: differs from the schedule id of the URL 'nightly'"),
    ],
  ];
  it.each(rows)('%s', async (...row) => {
    const got = await answer((app) => createJobSchedulesPutHandler(() => app.composition), put(row[1]));
    expect(got).toEqual(expected(row));
  });
});

describe('bodies checked with the id of the URL', () => {
  const post = (action: string, jobId: string, body: string) => ({
    method: 'POST',
    path: `/jobs/v2/${jobId}/${action}`,
    params: { jobId },
    ...(body === '' ? {} : { body }),
  });
  const put = (scheduleId: string, body: string) => ({
    method: 'PUT',
    path: `/jobSchedules/${scheduleId}`,
    params: { scheduleId },
    body,
  });
  const nightly = json({ schedule: '0 0 2 * * *', jobTemplate: methodJobBody() });
  const cases: [string, (app: ReturnType<typeof inMemoryApp>) => HttpHandler, object, number, string?][] = [
    [
      'a rollback of a job whose default rollback id is too long',
      (app) => createJobsRollbackHandler(() => app.composition),
      post('rollback', long(120), ''),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a rollback naming its id, of a job with a long id',
      (app) => createJobsRollbackHandler(() => app.composition),
      post('rollback', long(120), json({ jobId: 'undo' })),
      404,
      "ErrorCode:JobNotFound;Job 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' was not found.",
    ],
    [
      'a rollback of a bad URL id with a bad body',
      (app) => createJobsRollbackHandler(() => app.composition),
      post('rollback', 'bad id', '[]'),
      400,
      invalid('jobId of the URL: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a pause of a bad URL id with a bad body',
      (app) => createJobsPauseHandler(() => app.composition),
      post('pause', 'bad id', '[]'),
      400,
      invalid('jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a rerun of a bad URL id with a bad body',
      (app) => createJobsRerunHandler(() => app.composition),
      post('rerun', 'bad id', '[]'),
      400,
      invalid('jobId of the URL: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~'),
    ],
    [
      'a schedule whose id is too long',
      (app) => createJobSchedulesPutHandler(() => app.composition),
      put(long(112), nightly),
      400,
      invalid('scheduleId: must be 1–111 characters of A-Z a-z 0-9 - . _ ~'),
    ],
    [
      'a schedule whose id is too long, with a bad body',
      (app) => createJobSchedulesPutHandler(() => app.composition),
      put(long(112), '[]'),
      400,
      invalid('scheduleId: must be 1–111 characters of A-Z a-z 0-9 - . _ ~'),
    ],
    [
      'a schedule whose id is the longest',
      (app) => createJobSchedulesPutHandler(() => app.composition),
      put(long(111), nightly),
      200,
    ],
  ];
  // A rest parameter: jest would take a fifth parameter for `done` in the rows without a message.
  it.each(cases)('%s', async (...[label, handler, request, status, message]) => {
    const got = await answer(handler, request);
    expect(got).toEqual(expected([label, '', status, message]));
  });
});
