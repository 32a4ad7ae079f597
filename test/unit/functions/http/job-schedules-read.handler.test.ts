import {
  createJobSchedulesGetHandler,
  createJobSchedulesListHandler,
} from '../../../../functions/http/job-schedules-read.handler';
import { createJobSchedulesPutHandler } from '../../../../functions/http/job-schedules-write.handler';
import { methodJobBody } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

async function withSchedules(ids: string[]) {
  const { composition } = inMemoryApp();
  const put = createJobSchedulesPutHandler(() => composition);
  for (const scheduleId of ids) {
    const body = { schedule: '0 0 2 * * *', jobTemplate: methodJobBody() };
    await answerOf(put, { method: 'PUT', path: `/jobSchedules/${scheduleId}`, params: { scheduleId }, body });
  }
  return {
    get: createJobSchedulesGetHandler(() => composition),
    list: createJobSchedulesListHandler(() => composition),
  };
}

describe('jobSchedulesGet (GET /jobSchedules/{scheduleId})', () => {
  it('answers the schedule to a registry reader', async () => {
    const { get } = await withSchedules(['nightly']);
    const answer = await answerOf(get, {
      method: 'GET',
      path: '/jobSchedules/nightly',
      params: { scheduleId: 'nightly' },
      policy: 'registryRead',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ scheduleId: 'nightly', schedule: '0 0 2 * * *' });
  });

  it('answers an unknown schedule with 404 JobScheduleNotFound', async () => {
    const { get } = await withSchedules([]);
    const answer = await answerOf(get, {
      method: 'GET',
      path: '/jobSchedules/x',
      params: { scheduleId: 'x' },
    });
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobScheduleNotFound');
  });
});

describe('jobSchedulesList (GET /jobSchedules)', () => {
  it('pages the schedules with a continuation token', async () => {
    const { list } = await withSchedules(['a', 'b', 'c']);
    const first = await answerOf(list, {
      method: 'GET',
      path: '/jobSchedules',
      headers: { 'x-ms-max-item-count': '2' },
    });
    expect(first.status).toBe(200);
    expect((first.body as { scheduleId: string }[]).map((s) => s.scheduleId)).toEqual(['a', 'b']);
    expect(first.headers['x-ms-item-type']).toBe('JobSchedule');
    expect(first.headers['x-ms-continuation']).toEqual(expect.any(String));
  });

  it('refuses a page size that is not a whole number with 400 ArgumentInvalid', async () => {
    const { list } = await withSchedules([]);
    const answer = await answerOf(list, {
      method: 'GET',
      path: '/jobSchedules',
      headers: { 'x-ms-max-item-count': 'many' },
    });
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
  });
});
