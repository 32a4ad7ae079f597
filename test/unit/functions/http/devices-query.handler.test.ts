import { createDevicesQueryHandler } from '../../../../functions/http/devices-query.handler';
import { createJob, INSTANT_DEVICES, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

async function app() {
  const built = inMemoryApp(INSTANT_DEVICES);
  await seedDevices(built.composition, ['q-1', 'q-2', 'q-3']);
  return { ...built, handler: createDevicesQueryHandler(() => built.composition) };
}
const query = (text: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  path: '/devices/query',
  body: { query: text },
  headers,
});

describe('devicesQuery (POST /devices/query)', () => {
  it('answers the twins a query selects, paged with a continuation token', async () => {
    const { handler } = await app();
    const answer = await answerOf(
      handler,
      query("SELECT * FROM devices WHERE tags.fleet = 'unit'", { 'x-ms-max-item-count': '2' }),
    );
    expect(answer.status).toBe(200);
    expect((answer.body as { deviceId: string }[]).map((twin) => twin.deviceId)).toEqual(['q-1', 'q-2']);
    expect(answer.headers['x-ms-item-type']).toBe('Twin');
    expect(answer.headers['x-ms-continuation']).toEqual(expect.any(String));
  });

  it('answers device jobs FROM devices.jobs', async () => {
    const { handler, composition, ports } = await app();
    await createJob(composition, 'qj');
    const at = ports.clock.now().toISOString();
    await ports.deviceJobs.upsertMany([
      {
        jobId: 'qj',
        deviceId: 'q-1',
        jobType: 'scheduleDeviceMethod',
        shard: 0,
        status: 'completed',
        createdDateTimeUtc: at,
        lastUpdatedDateTimeUtc: at,
      },
    ]);
    const answer = await answerOf(
      handler,
      query("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'qj'"),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-ms-item-type']).toBe('DeviceJob');
    expect(answer.body).toEqual([
      expect.objectContaining({ jobId: 'qj', deviceId: 'q-1', status: 'completed' }),
    ]);
  });

  it('refuses a body without a query string and a query that does not parse with 400', async () => {
    const { handler } = await app();
    const missing = await answerOf(handler, query(42));
    expect(missing.status).toBe(400);
    expect(missing.errorCode).toBe('ArgumentInvalid');
    const broken = await answerOf(handler, query('SELECT * FROM devices WHERE'));
    expect(broken.status).toBe(400);
  });

  it.each<[string, unknown, string]>([
    ['a query that is not a string', { query: 42 }, 'The body must be {"query": "<query text>"}.'],
    ['no query', { sql: 'SELECT * FROM devices' }, 'The body must be {"query": "<query text>"}.'],
    ['a body that is not an object', '[1]', 'The query request must be a JSON object.'],
    ['null', 'null', 'The query request must be a JSON object.'],
    ['an empty body', ' ', 'The query request is empty: a JSON document is required.'],
  ])('answers %s with 400 ArgumentInvalid saying what the body must be', async (_case, body, message) => {
    const { handler } = await app();
    const answer = await answerOf(handler, { method: 'POST', path: '/devices/query', body, headers: {} });
    expect(answer.status).toBe(400);
    expect((answer.body as { Message: string }).Message).toBe(`ErrorCode:ArgumentInvalid;${message}`);
  });
});
