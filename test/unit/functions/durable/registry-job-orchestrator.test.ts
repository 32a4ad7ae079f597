import '../../../../functions/durable/registry-job.orchestrator';
import {
  REGISTRY_JOB_ORCHESTRATOR_NAME,
  REGISTRY_JOB_STEP_ACTIVITY,
  registryJobInstanceId,
} from '../../../../functions/durable/registry-job-function-names';
import type { ActivityScript, OrchestrationRun } from '../../../support/durable-harness/durable-harness';
import { DurableHarness, replies, took } from '../../../support/durable-harness/durable-harness';

const T0 = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const JOB = 'export-1';

function startRegistryJob(step: ActivityScript, input: unknown = { jobId: JOB }): OrchestrationRun {
  return new DurableHarness({ start: T0, maxEpisodes: 200 })
    .activity(REGISTRY_JOB_STEP_ACTIVITY, step)
    .start(REGISTRY_JOB_ORCHESTRATOR_NAME, input, registryJobInstanceId(JOB));
}

describe('the import/export job orchestrator (registryJobOrchestrator_v1)', () => {
  it('runs time-bounded steps until one says the job has ended, and returns that result', async () => {
    const running = { done: false, status: 'running' };
    const run = await startRegistryJob(
      replies(took(60_000, running), took(60_000, running), { done: true, status: 'completed' }),
    ).untilDone();
    expect(run.activityCalls.map((call) => [call.input, call.at])).toEqual([
      [{ jobId: JOB }, T0],
      [{ jobId: JOB }, at(60)],
      [{ jobId: JOB }, at(120)],
    ]);
    expect(run.output).toEqual({ done: true, status: 'completed' });
  });

  it('fails the job with the reason when a step keeps failing after its retries (2 s back-off, doubling)', async () => {
    const failing: ActivityScript = (input) => {
      if ((input as { failureReason?: string }).failureReason === undefined)
        throw new Error('blob unreachable');
      return { done: true, status: 'failed' };
    };
    const run = await startRegistryJob(failing).untilDone();
    expect(run.activityCalls.map((call) => [call.attempt, call.at])).toEqual([
      [1, T0],
      [2, at(2)],
      [3, at(6)],
      [4, at(14)],
      [5, at(30)],
      [1, at(62)], // the SDK sees the last failure once the retry timer after it (32 s) fired
    ]);
    expect(run.activityCalls.at(-1)?.input).toEqual({
      jobId: JOB,
      failureReason: expect.stringMatching(/^A step failed after its retries: .*blob unreachable/) as unknown,
    });
    expect(run.output).toEqual({ done: true, status: 'failed' });
  });

  it('continues as new after 50 steps, so its history stays bounded however long the job runs', async () => {
    const run = await startRegistryJob(() => took(1000, { done: false, status: 'running' })).settle({
      until: at(50),
    });
    expect(run.continuedAsNew).toEqual([{ jobId: JOB }]);
    expect(run.activityCalls).toHaveLength(51);
    expect(run.status).toBe('Running');
  });
});
