import { BlobServiceClient, ContainerSASPermissions, type ContainerClient } from '@azure/storage-blob';
import type { Registry } from 'azure-iothub';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { waitFor } from '../../support/wait-for';
import { startJobsHost, type JobsHost } from '../jobs/jobs-host';

/** What `getJob` and friends answer for an import/export job. */
export interface RegistryJob {
  jobId: string;
  type: string;
  status: string;
  progress: number;
  deviceCount: number;
  failedCount?: number;
  failureReason?: string;
  statusMessage?: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  outputBlobContainerUri: string;
}

/** The app on func-local over an Azurite the test owns (so its blob service is reachable and a host can restart). */
export interface RegistryJobsWorld {
  azurite: RunningAzurite;
  blobs: BlobServiceClient;
  host: JobsHost;
  restartHost(kill: boolean): Promise<JobsHost>;
  stop(): Promise<void>;
}

const HOST_ENV = {
  AzureFunctionsJobHost__extensions__durableTask__hubName: 'RegistryJobs',
  // A killed host's step is handed to the next host after 4 s instead of func-local's 30 s.
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__workItemQueueVisibilityTimeout: '00:00:04',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__controlQueueVisibilityTimeout: '00:00:04',
  REGISTRY_JOB_CHUNK_SIZE: '100',
};

export async function startRegistryJobsWorld(): Promise<RegistryJobsWorld> {
  const azurite = await startAzurite({ inMemory: true });
  const start = () => startJobsHost({ AzureWebJobsStorage: azurite.connectionString, ...HOST_ENV });
  const world: RegistryJobsWorld = {
    azurite,
    blobs: BlobServiceClient.fromConnectionString(azurite.connectionString),
    host: await start(),
    async restartHost(kill) {
      if (kill) await world.host.running.host.kill();
      else await world.host.stop();
      world.host = await start();
      return world.host;
    },
    async stop() {
      await world.host.stop().catch(() => undefined);
      await azurite.stop();
    },
  };
  return world;
}

/** A new container and its SAS URI (read, add, create, write, delete, list), as an operator hands it to a job. */
export async function sasContainer(
  world: RegistryJobsWorld,
  name: string,
): Promise<{ container: ContainerClient; uri: string }> {
  const container = world.blobs.getContainerClient(name);
  await container.createIfNotExists();
  const uri = await container.generateSasUrl({
    permissions: ContainerSASPermissions.parse('racwdl'),
    expiresOn: new Date(Date.now() + 3_600_000),
  });
  return { container, uri };
}

export async function blobText(container: ContainerClient, name: string): Promise<string> {
  return (await container.getBlobClient(name).downloadToBuffer()).toString('utf8');
}

/** Polls `getJob` until the job has ended (or `until` holds). */
export async function jobWhen(
  registry: Registry,
  jobId: string,
  until: (job: RegistryJob) => boolean = (job) => ['completed', 'failed', 'cancelled'].includes(job.status),
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<RegistryJob> {
  return waitFor(
    `job ${jobId}`,
    async () => (await registry.getJob(jobId)) as unknown as RegistryJob,
    until,
    { timeoutMs, intervalMs },
  );
}
