import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import type { RegistryJobRecord } from '../../../shared/registry-jobs/registry-job-model';
import { createRegistryJobsService } from '../../../shared/registry-jobs/registry-jobs-service';
import { RegistryJobsTableRepository } from '../../../shared/storage/registry-jobs.repository';
import { lazyTable } from '../../../shared/storage/table-support';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const NOW = new Date('2026-12-06T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600 * 1000).toISOString();

const exportJob = (jobId: string, extra: Partial<RegistryJobRecord>): RegistryJobRecord => ({
  jobId,
  type: 'export',
  status: 'completed',
  progress: 100,
  createdTime: daysAgo(40),
  inputBlobName: 'devices.txt',
  outputBlobContainerUri: 'http://127.0.0.1:10000/devstoreaccount1/backup',
  outputBlobName: 'devices.txt',
  excludeKeysInExport: true,
  storageAuthenticationType: 'keyBased',
  ...extra,
});

describe('import/export job retention (Table Storage)', () => {
  it('purges the jobs that ended before the retention window, history first, and keeps the others', async () => {
    const jobs = new RegistryJobsTableRepository(
      lazyTable(azurite.connectionString, 'RetentionRegistryJobs'),
    );
    const purgedHistories: string[] = [];
    const service = createRegistryJobsService({
      jobs,
      runner: {
        start: () => Promise.resolve(),
        purge: (jobId) => {
          purgedHistories.push(jobId);
          return Promise.resolve();
        },
      },
      now: () => NOW,
      newId: () => 'unused',
    });
    await jobs.insert(exportJob('old-completed', { endTimeUtc: daysAgo(31) }));
    await jobs.insert(exportJob('old-failed', { status: 'failed', endTimeUtc: daysAgo(35) }));
    await jobs.insert(exportJob('recent', { endTimeUtc: daysAgo(29) }));
    await jobs.insert(exportJob('still-running', { status: 'running', endTimeUtc: undefined }));

    const purged = await service.purgeExpired(30);

    expect(purged.sort()).toEqual(['old-completed', 'old-failed']);
    expect(purgedHistories.sort()).toEqual(['old-completed', 'old-failed']);
    expect((await service.list()).map((job) => job.jobId).sort()).toEqual(['recent', 'still-running']);
    await expect(service.get('old-completed')).rejects.toMatchObject({ code: 'JobNotFound' });
    // A second run finds nothing more, and deleting a row that is already gone is not an error.
    expect(await service.purgeExpired(30)).toEqual([]);
    await expect(jobs.delete('old-completed')).resolves.toBeUndefined();
  }, 30_000);
});
