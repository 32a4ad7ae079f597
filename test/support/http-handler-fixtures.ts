/** Arrangements shared by the HTTP handlers' unit tests: devices, jobs and bodies of the in-memory app. */
import type { Composition } from '../../shared/composition';
import type { JobRecord } from '../../shared/jobs/core/job-model';
import { type InMemoryPorts, invocation } from './in-memory-app';

/** A direct-method job body (the GA vocabulary) over the devices tagged `fleet = 'unit'`. */
export const methodJobBody = (extra: Record<string, unknown> = {}) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'reboot', payload: { a: 1 }, responseTimeoutInSeconds: 10 },
  queryCondition: "tags.fleet = 'unit'",
  ...extra,
});

/** Creates devices in the embedded registry, tagged `fleet = 'unit'`, answering at once and never failing. */
export async function seedDevices(composition: Composition, deviceIds: readonly string[]): Promise<void> {
  const registry = composition.registry();
  for (const deviceId of deviceIds) {
    await registry.putDevice(deviceId, { deviceId }, { kind: 'none' });
    await registry.updateTwin(deviceId, { tags: { fleet: 'unit' } }, 'patch', undefined);
  }
}

/** Settings of the in-memory app whose simulated devices answer at once and never fail. */
export const INSTANT_DEVICES = {
  SIMULATION_DEFAULT_PROFILE: JSON.stringify({ latencyMs: [0, 0], failureRate: 0 }),
};

/** Creates a job through the job use cases (as `PUT /jobs/v2/{jobId}` does). */
export async function createJob(
  composition: Composition,
  jobId: string,
  body: Record<string, unknown> = methodJobBody(),
): Promise<void> {
  const service = await composition.jobsService(composition.jobOrchestrations(invocation('jobsCreate')));
  await service.createJob({ jobId, body });
}

/** Moves a stored job to `status`, as the engine would have (the in-memory store is the job table). */
export function setJobStatus(ports: InMemoryPorts, jobId: string, status: JobRecord['status']): void {
  const stored = ports.jobs.rows.get(jobId);
  if (!stored) throw new Error(`no job ${jobId}`);
  const ended = ['completed', 'failed', 'cancelled'].includes(status);
  stored.job = {
    ...stored.job,
    status,
    ...(ended ? { endTime: ports.clock.now().toISOString() } : {}),
  };
}

/** An export job of the whole registry (`POST /jobs/create`). */
export const exportJobBody = {
  type: 'export',
  outputBlobContainerUri: 'https://account.blob.core.windows.net/exports?sv=2024&sig=x',
  excludeKeysInExport: true,
};
