import { waitFor } from '../../support/wait-for';
import { seedFleet, startJobsHost, type JobsHost } from '../jobs/jobs-host';

/**
 * DEVICE_GATEWAY=iothub: a second app plays the IoT Hub (its embedded registry answers the hub's REST API); the
 * service under test keeps jobs and their results and sends callers elsewhere for devices, twins and methods.
 */
describe('DEVICE_GATEWAY=iothub: jobs here, devices at the hub', () => {
  let hub: JobsHost;
  let service: JobsHost;

  beforeAll(async () => {
    hub = await startJobsHost();
    await seedFleet(
      hub,
      Array.from({ length: 12 }, (_, i) => ({ id: `hub-${i}`, tags: { site: i < 8 ? 'north' : 'south' } })),
    );
    service = await startJobsHost({
      DEVICE_GATEWAY: 'iothub',
      IOTHUB_CONNECTION_STRING: hub.running.connectionString,
      IOTHUB_PLAIN_HTTP_PORT: String(hub.running.port),
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await hub?.stop();
  });

  const expectSentToHub = async (response: Response) => {
    expect(response.status).toBe(501);
    expect(response.headers.get('iothub-errorcode')).toBe('ServedByIotHub');
    const text = await response.text();
    expect(text).toContain('the IoT Hub localhost (DEVICE_GATEWAY=iothub)');
    expect(text).toContain('at https://localhost with its own connection string');
  };

  it('answers registry, twin, method and device-query requests with 501 naming the hub', async () => {
    await expectSentToHub(await service.http('GET', '/devices/hub-1'));
    await expectSentToHub(await service.http('PUT', '/devices/new-1', { body: { deviceId: 'new-1' } }));
    await expectSentToHub(await service.http('GET', '/devices'));
    await expectSentToHub(await service.http('GET', '/twins/hub-1'));
    await expectSentToHub(await service.http('PATCH', '/twins/hub-1', { body: { tags: { a: 1 } } }));
    await expectSentToHub(
      await service.http('POST', '/twins/hub-1/methods', { body: { methodName: 'reboot', payload: {} } }),
    );
    await expectSentToHub(
      await service.http('POST', '/devices/query', { body: { query: 'SELECT * FROM devices' } }),
    );
    // Nothing was created at the hub either.
    expect((await hub.http('GET', '/devices/new-1')).status).toBe(404);
  });

  it("runs a job on the hub's devices and serves its results from devices.jobs", async () => {
    await service.jobClient.scheduleDeviceMethod('hub-reboot', "tags.site = 'north'", {
      methodName: 'reboot',
      payload: {},
      responseTimeoutInSeconds: 10,
    });
    const status = await waitFor(
      'job hub-reboot to finish',
      async () => ((await service.jobClient.getJob('hub-reboot')).jobStatus as { status: string }).status,
      (value) => ['completed', 'failed'].includes(value),
      { timeoutMs: 30_000 },
    );
    expect(status).toBe('completed');
    const results = await service.http('POST', '/devices/query', {
      body: { query: "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'hub-reboot'" },
    });
    expect(results.status).toBe(200);
    const rows = (await results.json()) as { deviceId: string; status: string }[];
    expect(rows.map((row) => row.deviceId).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `hub-${i}`).sort(),
    );
    expect(rows.every((row) => row.status === 'completed')).toBe(true);
  }, 60_000);
});
