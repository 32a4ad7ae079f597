import {
  BURST_CREATES,
  BURST_DEVICES_PER_JOB,
  BURST_SETTINGS,
  burst,
  type BurstClient,
} from '../../../scripts/bench/job-burst';
import { seedFleet, startJobsHost, type JobsHost } from './jobs-host';

/** Issue 10's resilience test: 200 job creates and 1,000 reads of a job sent at once. */
describe('a burst of 200 job creates with 1,000 concurrent reads', () => {
  let host: JobsHost;

  beforeAll(async () => {
    host = await startJobsHost({ ...BURST_SETTINGS });
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  const client: BurstClient = {
    async send(method, route, body) {
      const response = await host.http(method, route, { body });
      const text = await response.text();
      let json: unknown = text;
      try {
        json = text ? (JSON.parse(text) as unknown) : null;
      } catch {
        // Not JSON: kept as text for the failure report.
      }
      return { status: response.status, json };
    },
  };

  it('answers every request without a 5xx and every job completes', async () => {
    const deviceIds = Array.from(
      { length: BURST_CREATES * BURST_DEVICES_PER_JOB },
      (_, i) => `burst-${String(i).padStart(4, '0')}`,
    );
    await seedFleet(
      host,
      deviceIds.map((id) => ({ id, tags: {} })),
    );
    const readJobId = 'burst-read';
    const created = await client.send('PUT', `/jobs/v2/${readJobId}?api-version=2021-04-12`, {
      jobId: readJobId,
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 30 },
      deviceIds: deviceIds.slice(0, BURST_DEVICES_PER_JOB),
    });
    expect(created.status).toBe(200);

    const result = await burst(client, readJobId, deviceIds, { endWithinMs: 240_000 });

    expect({
      serverErrors: result.serverErrors,
      failed: result.failedRequests,
      samples: result.failureSamples,
    }).toEqual({
      serverErrors: 0,
      failed: 0,
      samples: [],
    });
    expect(result.finalStatuses).toEqual({ completed: BURST_CREATES });
    expect(result.succeededDevices).toBe(BURST_CREATES * BURST_DEVICES_PER_JOB);
  }, 330_000);
});
