import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import { defineUseCaseScenarios } from '../../support/use-case-scenarios';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

describe('job use cases over the Table repositories (Azurite)', () => {
  let tables = 0;
  defineUseCaseScenarios(async () => {
    tables += 1;
    const storage = createJobStorage(azurite.connectionString, jobTableNames(`t${tables}`));
    await storage.ensureTables();
    return storage;
  });
});
