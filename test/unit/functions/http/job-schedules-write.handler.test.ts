import {
  createJobSchedulesDeleteHandler,
  createJobSchedulesPutHandler,
} from '../../../../functions/http/job-schedules-write.handler';
import { methodJobBody } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const nightly = { schedule: '0 0 2 * * *', jobTemplate: methodJobBody() };
const put = (scheduleId: string, body: unknown, policy: 'owner' | 'registryRead' = 'owner') => ({
  method: 'PUT',
  path: `/jobSchedules/${scheduleId}`,
  params: { scheduleId },
  body,
  policy,
});
const remove = (scheduleId: string) => ({
  method: 'DELETE',
  path: `/jobSchedules/${scheduleId}`,
  params: { scheduleId },
});

function app() {
  const built = inMemoryApp();
  return {
    ...built,
    put: createJobSchedulesPutHandler(() => built.composition),
    remove: createJobSchedulesDeleteHandler(() => built.composition),
  };
}

describe('jobSchedulesPut (PUT /jobSchedules/{scheduleId})', () => {
  it('stores the schedule with its next run time and wakes its timer', async () => {
    const { put: handler, ports } = app();
    const answer = await answerOf(handler, put('nightly', nightly));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      scheduleId: 'nightly',
      enabled: true,
      nextRunTime: '2026-12-07T02:00:00.000Z',
    });
    expect(ports.schedules.rows.has('nightly')).toBe(true);
    expect(ports.durable.woken).toEqual(['nightly']);
  });

  it.each([
    ['schedule', { ...nightly, schedule: '*/2 * * * *' }],
    ['timeZone', { ...nightly, timeZone: 'Moon/Base' }],
    ['jobTemplate.startTime', { ...nightly, jobTemplate: methodJobBody({ startTime: 'now' }) }],
  ])('refuses an invalid %s with 400 ArgumentInvalid and stores nothing', async (field, body) => {
    const { put: handler, ports } = app();
    const answer = await answerOf(handler, put('bad', body));
    expect(answer.status).toBe(400);
    expect((answer.body as { Message: string }).Message).toContain(`ArgumentInvalid;${field}`);
    expect(ports.schedules.rows.size).toBe(0);
    expect(ports.durable.woken).toEqual([]);
  });

  it('refuses a registry reader with 401', async () => {
    const { put: handler } = app();
    expect((await answerOf(handler, put('r', nightly, 'registryRead'))).status).toBe(401);
  });
});

describe('jobSchedulesDelete (DELETE /jobSchedules/{scheduleId})', () => {
  it('deletes the schedule (204) and wakes its timer so it stops', async () => {
    const { put: write, remove: handler, ports } = app();
    await answerOf(write, put('nightly', nightly));
    const answer = await answerOf(handler, remove('nightly'));
    expect(answer.status).toBe(204);
    expect(answer.body).toBeUndefined();
    expect(ports.schedules.rows.size).toBe(0);
    expect(ports.durable.woken).toEqual(['nightly', 'nightly']);
  });

  it('answers an unknown schedule with 404 JobScheduleNotFound', async () => {
    const { remove: handler } = app();
    const answer = await answerOf(handler, remove('nope'));
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobScheduleNotFound');
  });
});
