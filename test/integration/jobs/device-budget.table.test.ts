import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { TableDeviceOperationBudget } from '../../../shared/storage/device-budget-table';
import { createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import { tableClient } from '../../../shared/storage/table-support';

/** Two hosts' budgets over one jobs table: each sees the other's jobs through the running-jobs rows. */
let azurite: RunningAzurite;
const names = jobTableNames('budget');

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  await createJobStorage(azurite.connectionString, names).ensureTables();
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

it('splits the budget across hosts by priority, and gives it back when a job leaves', async () => {
  const hostA = new TableDeviceOperationBudget(tableClient(azurite.connectionString, names.jobs), 30);
  const hostB = new TableDeviceOperationBudget(tableClient(azurite.connectionString, names.jobs), 30);
  try {
    const a = await hostA.join('job-a', 5);
    expect(a.operationsPerSecond()).toBe(30);
    // Host B reads A's row when it joins; A sees B's at its next heartbeat (about a second).
    const b = await hostB.join('job-b', 10);
    expect(b.operationsPerSecond()).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(a.operationsPerSecond()).toBe(10);
    expect((await hostA.running()).map((member) => member.jobId).sort()).toEqual(['job-a', 'job-b']);
    await b.leave();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(a.operationsPerSecond()).toBe(30);
    await a.leave();
    expect(await hostB.running()).toEqual([]);
  } finally {
    hostA.close();
    hostB.close();
  }
});
